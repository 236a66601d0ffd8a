// `synth-rl train` (full_training, docs/wire-contract.md §3.8): check → upload ENVIRONMENT_API_KEY if the
// backend has none → create the job → follow it → final report (checkpoints, fine_tuned_model),
// with run's exit codes. Nothing is created while a check FAILs.
import type { CommandContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { describeSource, type EffectiveConfig } from '../../config/load.ts';
import type { SynthClient } from '../../client/api-client.ts';
import { ENV_KEY_NAME, envKeyProblem, setupEnvironmentApiKey } from '../../client/envkey.ts';
import { verdict } from '../../ui/check-report.ts';
import type { RunRenderer } from '../../ui/run-render.ts';
import { runChecks } from './check.ts';
import { createOrAttach, followJob, withJobCommand } from './run.ts';

/** Uploads the local ENVIRONMENT_API_KEY unless the backend already holds one. */
async function ensureEnvKey(client: SynthClient, renderer: RunRenderer, cfg: EffectiveConfig): Promise<void> {
  const stored = await client.listEnvKeys();
  const existing = stored?.find((k) => k.name === ENV_KEY_NAME);
  if (existing !== undefined) {
    renderer.step('env_key', `the backend already has ${ENV_KEY_NAME}${existing.updated_at ? ` (updated ${existing.updated_at})` : ''}; not uploading (synth-rl env-key replaces it)`, { action: 'present' });
    return;
  }
  const local = cfg.string('environment_api_key');
  if (local === undefined) {
    if (stored === undefined) {
      renderer.warning(`the backend does not say whether it holds ${ENV_KEY_NAME}, and none is set here to upload; if it has none, the trainer cannot call the task app`);
      return;
    }
    throw new UsageError(`the backend has no ${ENV_KEY_NAME} and none is set here: set ${ENV_KEY_NAME} (environment or .env) to your task app's key, ` +
      'or run `synth-rl env-key --mint` and configure the task app with the minted key');
  }
  const source = describeSource(cfg.entry('environment_api_key').source);
  const problem = envKeyProblem(local);
  if (problem !== undefined) throw new UsageError(`${ENV_KEY_NAME} from ${source}: ${problem}`);
  const setup = await setupEnvironmentApiKey(client, { token: local });
  const why = stored === undefined ? 'the backend does not list its keys' : 'the backend had none';
  renderer.step('env_key', `uploaded ${ENV_KEY_NAME} from ${source}, sealed (${setup.alg}), because ${why}${setup.id ? `; id ${setup.id}` : ''}`, { action: 'uploaded', id: setup.id ?? null });
}

export function run(ctx: CommandContext): Promise<number> {
  return withJobCommand(ctx, 'train', async ({ interrupts, cfg, s, renderer, client }) => {
    const results = await runChecks(cfg, { timeoutMs: s.timeoutMs });
    renderer.checks(results);
    if (verdict(results) === 'fail') {
      renderer.step('train', 'stopped before creating a job: fix the FAIL lines above (`synth-rl check` repeats them)', { action: 'stopped' });
      return EXIT.failure;
    }
    if (s.jobId === undefined) await ensureEnvKey(client, renderer, cfg);
    // full_training sends no training_start_url (docs/wire-contract.md §2.3 shape a, note).
    const { jobId, startedAt } = await createOrAttach(client, renderer, cfg, s, { trainingStartUrl: false });
    return followJob(client, renderer, s, { jobId, startedAt, artifacts: true, interrupts });
  });
}
