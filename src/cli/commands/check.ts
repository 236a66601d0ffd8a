// `synth-rl check`: diagnostics of the backend (health and a real auth check), the task app
// (/health and /health/rollout with X-API-Key; a soft-200 `authorized:false` is a FAIL, docs/reference-client.md §2.11) and
// an optional inference URL. One OK/WARN/FAIL line each; exit 1 when anything FAILs.
import type { CommandContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { describeSource, loadConfig, type EffectiveConfig } from '../../config/load.ts';
import { SynthClient } from '../../client/api-client.ts';
import { checkBackend } from '../../client/api-check.ts';
import { probeInference, TaskAppClient, taskAppCheck, type CheckResult } from '../../client/taskapp.ts';
import { checksJson, checksText, verdict } from '../../ui/check-report.ts';
import { colorEnabled, createStyle } from '../../ui/style.ts';

/** Every check the config allows, in order: backend, task app, inference. */
export async function runChecks(cfg: EffectiveConfig, opts: { timeoutMs: number }): Promise<CheckResult[]> {
  const timeoutMs = Math.min(opts.timeoutMs, 15_000);
  const client = new SynthClient({
    backendUrl: String(cfg.require('backend_url')), apiKey: String(cfg.require('api_key')),
    timeoutMs, retry: { retries: 1, baseDelayMs: 200 },
  });
  const keyHint = `--api-key / SYNTH_API_KEY (the key in use came from ${describeSource(cfg.entry('api_key').source)})`;
  const results = await checkBackend(client, { keyHint });

  const taskAppUrl = cfg.string('task_app_url');
  if (taskAppUrl !== undefined) {
    const envKey = cfg.string('environment_api_key');
    const app = new TaskAppClient({ baseUrl: taskAppUrl, timeoutMs: Math.min(timeoutMs, 10_000), ...(envKey !== undefined && { apiKey: envKey }) });
    const health = await app.health();
    results.push(taskAppCheck('task_app.health', health, envKey));
    // An unreachable app would only fail twice; the rollout probe adds nothing then.
    if (health.problem !== 'unreachable' && health.problem !== 'timeout') {
      results.push(taskAppCheck('task_app.rollout_health', await app.rolloutHealth(), envKey));
    }
  } else {
    results.push({ name: 'task_app', level: 'warn', message: 'skipped: no task app URL (pass --task-app-url or set TASK_APP_BASE_URL)' });
  }

  const inferenceUrl = cfg.string('inference_url');
  if (inferenceUrl !== undefined) {
    const openai = /(^|\.)api\.openai\.com$/.test(new URL(inferenceUrl).hostname) ? cfg.string('openai_api_key') : undefined;
    results.push(await probeInference(inferenceUrl, { timeoutMs, ...(openai !== undefined && { apiKey: openai }) }));
  }
  return results;
}

export async function run(ctx: CommandContext): Promise<number> {
  const cfg = loadConfig({ flags: ctx.args.flags, env: ctx.env, cwd: ctx.cwd });
  for (const w of cfg.warnings) ctx.err.write(`warning: ${w}\n`);
  const timeout = cfg.number('timeout') ?? 600;
  const results = await runChecks(cfg, { timeoutMs: timeout * 1000 });
  if (ctx.args.flags.get('json') === true) ctx.out.write(`${JSON.stringify(checksJson(results), null, 2)}\n`);
  else ctx.out.write(checksText(results, createStyle(colorEnabled(ctx.isTTY, ctx.env))));
  return verdict(results) === 'fail' ? EXIT.failure : EXIT.ok;
}
