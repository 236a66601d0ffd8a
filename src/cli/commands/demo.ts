// `synth-rl demo`: the whole story offline, in one command. Starts the simulator in-process
// (memory-only state, free ports), then runs the same commands a user would against it — env-key,
// run (live progress), infer through the backend and offline — and says how to do it for real.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { CommandContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { UsageError } from '../errors.ts';
import { checkMetricFilePaths } from './metric-files.ts';
import { sparkline } from '../../ui/sparkline.ts';
import { PROD_BACKEND_URL_DEFAULT } from '../../config/settings.ts';
import { startSimulator } from '../../../sim/server.ts';
import { deviceFlags } from './sim.ts';

function demoToml(iterations: number, seed: number): string {
  return `# Written by \`synth-rl demo\`: GRPO on the toy Crafter grid (micro preset), small enough for a CPU.
type = "rl"
[job]
model = "Qwen/Qwen3-0.6B"
[training]
num_epochs = 1
iterations_per_epoch = ${iterations}
[trainer]
batch_size = 4
group_size = 8
[env]
max_steps_per_episode = 10
[rollout]
max_concurrent_rollouts = 16
sampling_temperature = 1.0
[evaluation]
seeds = [${Array.from({ length: 16 }, (_, i) => i).join(', ')}]
rollouts_per_seed = 2
every_n_iters = 5
[hyperparams]
loss_type = "dapo"
scale_rewards = "group"
[checkpoint]
interval = ${iterations}
[sim]
trainer = "grpo"
preset = "micro"
seed = ${seed}
`;
}

/** --keep: the simulator and its Studio stay up until Ctrl-C / SIGTERM. */
async function holdOpen(ctx: CommandContext, loginUrl: string, studioUrl: string): Promise<void> {
  ctx.out.write(`\nThe simulator and the Studio stay up (--keep). Open the Studio:\n  ${loginUrl}\n  (one-time sign-in link; afterwards ${studioUrl})\nCtrl-C stops them.\n`);
  await new Promise<void>((resolveStop) => {
    process.once('SIGINT', () => resolveStop());
    process.once('SIGTERM', () => resolveStop());
  });
  ctx.err.write('stopping the simulator…\n');
}

export async function run(ctx: CommandContext): Promise<number> {
  const iterationsFlag = ctx.args.flags.get('iterations');
  const iterations = typeof iterationsFlag === 'number' ? iterationsFlag : 20;
  if (iterations < 1 || iterations > 500) throw new UsageError(`--iterations must be between 1 and 500, got ${iterations}`);
  const seedFlag = ctx.args.flags.get('seed');
  const seed = typeof seedFlag === 'number' ? seedFlag : 0;
  const keep = ctx.args.flags.get('keep') === true;
  const device = deviceFlags(ctx.args.flags);
  // --metrics-jsonl / --tensorboard go to the `run` step, resolved here (it runs in the demo's folder).
  const pathFlag = (name: string) => {
    const v = ctx.args.flags.get(name);
    return typeof v === 'string' && v !== '' ? resolve(ctx.cwd, v) : undefined;
  };
  const files = { metricsJsonl: pathFlag('metrics-jsonl'), tensorboardDir: pathFlag('tensorboard') };
  checkMetricFilePaths(files);
  const fileFlags = [...(files.metricsJsonl ? ['--metrics-jsonl', files.metricsJsonl] : []), ...(files.tensorboardDir ? ['--tensorboard', files.tensorboardDir] : [])];
  const say = (text = '') => ctx.out.write(`${text}\n`);
  const t0 = performance.now();
  say('synth-rl demo: Synth\'s RL fine-tuning flow, fully offline. Everything below runs on this machine:');
  say('a simulated backend, the Crafter task app (toy grid), and a GRPO trainer that really trains a small');
  say('GPT on the CPU, standing in for Qwen/Qwen3-0.6B. Nothing here talks to the real service.');
  const dir = mkdtempSync(join(tmpdir(), 'synth-rl-demo-'));
  // State in memory; checkpoints kept beside the config so `infer --weights` works afterwards.
  const sim = await startSimulator({ port: 0, taskApp: { port: 0 }, defaultTrainer: 'grpo', queueDelayMs: 100, checkpointDir: join(dir, 'checkpoints'), device });
  try {
    const apiKey = sim.apiKeys[0] as string;
    const envKey = sim.taskApp?.taskApp.environmentApiKey as string;
    writeFileSync(join(dir, 'demo.toml'), demoToml(iterations, seed));
    const env = { ...ctx.env, PROD_BACKEND_URL: sim.url, SYNTH_API_KEY: apiKey, TASK_APP_BASE_URL: sim.taskApp?.url, ENVIRONMENT_API_KEY: envKey, RL_WEIGHTS_PATH: undefined };
    const sub = (argv: string[]) => ctx.runCli(argv, { env, cwd: dir, out: ctx.out, err: ctx.err, isTTY: ctx.isTTY });
    say(`\n  backend   ${sim.apiUrl}  [simulated]\n  task app  ${sim.taskApp?.url}  [simulated, Crafter micro 16×16]\n  config    ${join(dir, 'demo.toml')}`);
    say(`  studio    ${sim.studioLoginUrl()}  (open it to watch the curves and rollouts live)\n`);

    say('1/4  synth-rl env-key   (seal ENVIRONMENT_API_KEY with the backend\'s public key, upload it)');
    if ((await sub(['env-key'])) !== EXIT.ok) return EXIT.failure;

    say(`\n2/4  synth-rl run --config-path demo.toml   (${iterations} GRPO iterations: 4 seeds × 8 rollouts each)`);
    const code = await sub(['run', '--config-path', 'demo.toml', ...fileFlags]);
    const job = sim.store.jobsInStatus(['succeeded', 'failed', 'cancelled']).at(-1);
    if (code !== EXIT.ok || job === undefined || job.fine_tuned_model === null) {
      ctx.err.write(`synth-rl demo: the training job did not succeed (run exited ${code}${job?.error ? `: ${job.error}` : ''})\n`);
      return code === EXIT.ok ? EXIT.failure : code;
    }
    const points = sim.store.listMetrics(job.id, -1, 10_000);
    const initial = points.find((p) => p.name === 'eval.reward_mean_initial')?.value ?? 0;
    const evals = points.filter((p) => p.name === 'eval.reward_mean');
    const curve = [initial, ...evals.map((p) => p.value)];
    const final = curve.at(-1) ?? 0;
    const verdict = final > initial ? 'the reward rose' : 'the reward did not rise this time (small runs are noisy; try --iterations 40 or another --seed)';
    say(`\n3/4  ${verdict}: achievements per episode on 32 held-out rollouts ${sparkline(curve)}  ${curve.map((v) => v.toFixed(2)).join(' → ')}`);
    say(`     ${initial.toFixed(2)} before training → ${final.toFixed(2)} after ${iterations} iterations${initial > 0 ? ` (${(final / initial).toFixed(1)}×)` : ''}`);

    say(`\n4/4  synth-rl infer --model ${job.fine_tuned_model}   (promote, ensure, chat through the backend)`);
    if ((await sub(['infer', '--model', job.fine_tuned_model])) !== EXIT.ok) return EXIT.failure;
    const tarball = sim.store.listArtifacts(job.id).map((a) => a.local_path).filter((p): p is string => p !== null).at(-1) as string;
    const ckptDir = dirname(tarball);
    say(`\n     and offline, no backend at all: synth-rl infer --weights ${tarball}`);
    if ((await sub(['infer', '--weights', tarball])) !== EXIT.ok) return EXIT.failure;

    say(`\nDone in ${((performance.now() - t0) / 1000).toFixed(0)} s. What is where:`);
    say(`  job            ${job.id} (${job.status}); model ${job.fine_tuned_model}`);
    say(`  checkpoints    ${ckptDir}: ${readdirSync(ckptDir).join(', ')}`);
    say('                 (a Hugging Face folder with onnx/model.onnx: loads with transformers.js pipeline())');
    say(`  config         ${join(dir, 'demo.toml')}`);
    say(keep ? `  simulator      still up (--keep): ${sim.url}; its state is in memory. \`synth-rl sim\` keeps state in ./.synth-rl`
      : '  simulator      stopped; its state was in memory. `synth-rl sim` keeps state in ./.synth-rl');
    say('\nThe same commands against the real service: change the URL and the keys, nothing else.');
    say(`  export PROD_BACKEND_URL=${PROD_BACKEND_URL_DEFAULT} SYNTH_API_KEY=<your Synth key>`);
    say('  export TASK_APP_BASE_URL=<your deployed task app> ENVIRONMENT_API_KEY=<its key>');
    say('  synth-rl check && synth-rl env-key && synth-rl run --config-path examples/rl/config.toml');
    if (keep) await holdOpen(ctx, sim.studioLoginUrl(), sim.studioUrl);
    return EXIT.ok;
  } finally {
    await sim.stop();
  }
}
