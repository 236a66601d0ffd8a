// `synth-rl sim`: the local simulator, in the foreground until Ctrl-C / SIGTERM.
import { resolve } from 'node:path';
import type { CommandContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { redact } from '../../config/redact.ts';
import { loadFaultSpec } from '../../../sim/backend/faults.ts';
import { startSimulator, type Simulator } from '../../../sim/server.ts';
import { taskAppOptionsFromEnv } from '../../../sim/taskapp/index.ts';
import { DEVICE_CHOICES, isDeviceChoice } from '../../../sim/model/devices/factory.ts';
import type { DeviceDefaults } from '../../../sim/trainer/settings.ts';

/** --device and --threads, checked (shared with `demo`). */
export function deviceFlags(f: ReadonlyMap<string, unknown>): DeviceDefaults {
  const device = f.get('device');
  const threads = f.get('threads');
  if (device !== undefined && !isDeviceChoice(device)) throw new UsageError(`--device must be one of ${DEVICE_CHOICES.join(', ')}, got ${JSON.stringify(device)}`);
  if (threads !== undefined && (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > 256)) {
    throw new UsageError(`--threads must be an integer between 1 and 256, got ${String(threads)}`);
  }
  return { ...(device !== undefined && { device }), ...(threads !== undefined && { threads: threads as number }) };
}

function taskAppLines(sim: Simulator, envKeyFromEnv: boolean): { banner: string[]; exports: string[] } {
  const t = sim.taskApp;
  if (t === undefined) return { banner: ['  task app   not started (--no-task-app)'], exports: [] };
  const key = t.taskApp.keys[0] as string;
  const shown = envKeyFromEnv ? redact(key) : key;
  const from = envKeyFromEnv ? 'from ENVIRONMENT_API_KEY' : sim.generatedTaskAppKey ? 'generated now, stored in the state dir' : 'persisted';
  return {
    banner: [
      `  task app   ${t.url}   [simulated] Crafter (toy grid, preset ${t.taskApp.preset}): /rollout, /env/CrafterClassic/*, /health, /info`,
      `  env key    ${shown}   (${from}; the task app's ENVIRONMENT_API_KEY)`,
    ],
    exports: [`  export TASK_APP_BASE_URL=${t.url}`, ...(envKeyFromEnv ? [] : [`  export ENVIRONMENT_API_KEY=${shown}`])],
  };
}

function banner(sim: Simulator, opts: { ephemeral: boolean; keyFrom: string; envKeyFromEnv: boolean }): string {
  const key = sim.apiKeys[0] as string;
  const shownKey = sim.generatedKey || opts.keyFrom === 'persisted' ? key : redact(key);
  const task = taskAppLines(sim, opts.envKeyFromEnv);
  const models = sim.inference.ids().join(', ');
  const trainers = sim.trainers.map((t) => (t === sim.defaultTrainer ? `${t} (default)` : t)).join(', ');
  return [
    `synth-rl simulator — a local stand-in for Synth's RL backend; nothing here talks to the real service`,
    '',
    `  backend    ${sim.apiUrl}   [simulated] jobs, events (JSON + SSE), metrics, env keys, models`,
    `  trainer    ${trainers}   [simulated] grpo trains a small GPT that stands in for the requested model; replay plays a scripted stream`,
    `  device     ${sim.device.device}, ${sim.device.threads} thread${sim.device.threads === 1 ? '' : 's'}   (GRPO training and sampling; a job's [sim] device / threads override)`,
    `  inference  ${sim.inferenceUrl}/v1/chat/completions   [simulated] ${models} (trainer-side, no key; also ${sim.apiUrl}/v1/chat/completions with the API key)`,
    ...task.banner,
    `  control    ${sim.url}/_sim/{info,faults,time,reset}`,
    `  state      ${opts.ephemeral ? 'memory only (--ephemeral): gone when this process ends' : `${sim.stateDir}/sim.sqlite (survives restarts)`}`,
    `  API key    ${shownKey}   (${opts.keyFrom})`,
    ...(sim.recovered.length ? [`  recovered  ${sim.recovered.length} job(s) left running by a previous process, now failed with the reason`] : []),
    '',
    'Point the client at it:',
    `  export PROD_BACKEND_URL=${sim.url}`,
    `  export SYNTH_API_KEY=${shownKey}`,
    ...task.exports,
    'Use the real backend instead: unset PROD_BACKEND_URL and set SYNTH_API_KEY to your Synth key.',
    'Ctrl-C stops the simulator.',
    '',
  ].join('\n');
}

export async function run(ctx: CommandContext): Promise<number> {
  const f = ctx.args.flags;
  const ephemeral = f.get('ephemeral') === true;
  const givenKey = typeof f.get('api-key') === 'string' ? (f.get('api-key') as string) : ctx.env.SYNTH_API_KEY || undefined;
  const trainer = typeof f.get('trainer') === 'string' ? (f.get('trainer') as string) : 'grpo';
  const port = typeof f.get('port') === 'number' ? (f.get('port') as number) : 8787;
  if (port < 0 || port > 65535) throw new UsageError(`--port must be between 0 and 65535, got ${port}`);
  const withTaskApp = f.get('task-app') !== false;
  // --port 0 (tests, parallel runs) also means a free task-app port unless one is given.
  const taskAppPort = typeof f.get('task-app-port') === 'number' ? (f.get('task-app-port') as number) : port === 0 ? 0 : 8001;
  if (taskAppPort < 0 || taskAppPort > 65535) throw new UsageError(`--task-app-port must be between 0 and 65535, got ${taskAppPort}`);
  const taskAppOptions = taskAppOptionsFromEnv(ctx.env);
  const device = deviceFlags(f);
  const faultsArg = f.get('faults');
  let faults;
  if (typeof faultsArg === 'string') {
    try {
      faults = await loadFaultSpec(faultsArg);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  let sim: Simulator;
  try {
    sim = await startSimulator({
      host: typeof f.get('host') === 'string' ? (f.get('host') as string) : '127.0.0.1',
      port,
      ...(!ephemeral && { stateDir: resolve(ctx.cwd, typeof f.get('state-dir') === 'string' ? (f.get('state-dir') as string) : '.synth-rl') }),
      ...(typeof f.get('time-scale') === 'number' && { timeScale: f.get('time-scale') as number }),
      ...(givenKey !== undefined && { apiKeys: [givenKey] }),
      ...(faults !== undefined && { faults }),
      defaultTrainer: trainer,
      device,
      taskApp: withTaskApp ? { ...taskAppOptions, port: taskAppPort } : false,
    });
  } catch (e) {
    const msg = (e as Error).message;
    if (msg.startsWith('task app port') && /EADDRINUSE|address already in use|in use/i.test(msg)) {
      throw new UsageError(`task app port ${taskAppPort} is already in use; pick another with --task-app-port, or skip it with --no-task-app`);
    }
    if (/EADDRINUSE|address already in use|in use/i.test(msg)) throw new UsageError(`port ${port} is already in use; pick another with --port`);
    if (msg.includes('is not available')) throw new UsageError(`--trainer: ${msg}`);
    throw e;
  }
  const keyFrom = givenKey !== undefined ? (f.get('api-key') !== undefined ? 'from --api-key' : 'from SYNTH_API_KEY') : sim.generatedKey ? 'generated now, stored in the state dir' : 'persisted';
  ctx.out.write(banner(sim, { ephemeral, keyFrom, envKeyFromEnv: taskAppOptions.environmentApiKey !== undefined }));
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  ctx.err.write('stopping simulator…\n');
  await sim.stop();
  return 0;
}
