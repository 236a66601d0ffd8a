// `synth-rl task-app`: the simulated Crafter task app on its own, in the foreground until Ctrl-C.
import type { CommandContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { redact } from '../../config/redact.ts';
import { startTaskApp, taskAppOptionsFromEnv, type RunningTaskApp } from '../../../sim/taskapp/index.ts';

const PRESETS = ['micro', 'small', 'classic'] as const;
type PresetName = (typeof PRESETS)[number];

function banner(t: RunningTaskApp, env: Readonly<Record<string, string | undefined>>, cumulative: boolean): string {
  const keys = t.taskApp.keys;
  const keyLine = keys.length === 0
    ? 'NOT SET: /rollout, /env/* and /info answer 503 until ENVIRONMENT_API_KEY is set (and the app restarted)'
    : `${redact(keys[0] as string)} (from ENVIRONMENT_API_KEY${keys.length > 1 ? ` + ${keys.length - 1} alias${keys.length > 2 ? 'es' : ''}` : ''})`;
  return [
    'synth-rl task app — a simulated Crafter task app (toy grid); nothing here talks to the real service',
    '',
    `  task app   ${t.url}   [simulated] Crafter (toy grid, preset ${t.taskApp.preset})`,
    '  routes     /rollout  /env/CrafterClassic/{initialize,step,terminate}  /health  /health/rollout  /info  /task_info  /actions  /test_auth  /proxy/v1/chat/completions',
    `  env key    ${keyLine}`,
    `  OpenAI     ${env.OPENAI_API_KEY ? 'OPENAI_API_KEY set: inference URLs on api.openai.com and /proxy reach OpenAI' : 'OPENAI_API_KEY not set: only non-OpenAI inference URLs work'}`,
    `  rewards    ${cumulative ? 'cumulative (--cumulative-rewards: the reference engine\'s running total, bug 24)' : 'per step (each step\'s own reward)'}`,
    '',
    'Drive it with any OpenAI-compatible model, e.g. the simulator\'s built-in policies (synth-rl sim):',
    `  synth-rl rollout --task-app-url ${t.url} --inference-url http://127.0.0.1:8787/inference --model sim:heuristic --num-rollouts 20`,
    'Ctrl-C stops the task app.',
    '',
  ].join('\n');
}

export async function run(ctx: CommandContext): Promise<number> {
  const f = ctx.args.flags;
  const port = typeof f.get('port') === 'number' ? (f.get('port') as number) : 8001;
  if (port < 0 || port > 65535) throw new UsageError(`--port must be between 0 and 65535, got ${port}`);
  const host = typeof f.get('host') === 'string' ? (f.get('host') as string) : '127.0.0.1';
  const presetFlag = f.get('preset');
  if (presetFlag !== undefined && !(PRESETS as readonly unknown[]).includes(presetFlag)) {
    throw new UsageError(`--preset must be one of ${PRESETS.join(', ')}, got ${JSON.stringify(presetFlag)}`);
  }
  const maxEnvs = typeof f.get('max-envs') === 'number' ? (f.get('max-envs') as number) : 256;
  if (!Number.isInteger(maxEnvs) || maxEnvs < 1 || maxEnvs > 100_000) throw new UsageError(`--max-envs must be an integer between 1 and 100000, got ${maxEnvs}`);
  const cumulative = f.get('cumulative-rewards') === true;
  let running: RunningTaskApp;
  try {
    running = await startTaskApp({
      ...taskAppOptionsFromEnv(ctx.env),
      host, port, maxEnvs,
      ...(presetFlag !== undefined && { preset: presetFlag as PresetName }),
      ...(cumulative && { rewardMode: 'cumulative' as const }),
      log: (line) => ctx.err.write(`${new Date().toISOString()} ${line}\n`),
    });
  } catch (e) {
    const msg = (e as Error).message;
    if (/EADDRINUSE|address already in use|in use/i.test(msg)) throw new UsageError(`port ${port} is already in use; pick another with --port`);
    throw e;
  }
  ctx.out.write(banner(running, ctx.env, cumulative));
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  ctx.err.write('stopping task app…\n');
  await running.stop();
  return 0;
}
