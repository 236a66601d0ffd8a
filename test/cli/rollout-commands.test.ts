// The foreground servers behind `rollout`: `synth-rl task-app` on its own, and `synth-rl sim`
// starting the task app beside the backend (real processes, banners, SIGTERM).
import { describe, expect, test } from 'bun:test';
import { cli } from '../helpers/cli.ts';
import { bannerUrl, startServer, stopServer } from '../helpers/process.ts';

const start = (args: string[], env: Record<string, string>) => startServer(args, { env });
const stop = stopServer;
const url = bannerUrl;

describe('synth-rl task-app', () => {
  test('serves on the given port with a banner that hides the key; stops on SIGTERM with exit 0', async () => {
    const p = await start(['task-app', '--port', '0', '--preset', 'small'], { ENVIRONMENT_API_KEY: 'sk-env-secret-value' });
    try {
      expect(p.banner).toContain('[simulated] Crafter (toy grid, preset small)');
      expect(p.banner).toContain('env key    <redacted, 19 chars> (from ENVIRONMENT_API_KEY)');
      expect(p.banner).not.toContain('sk-env-secret-value');
      const base = url(p.banner, 'task app');
      const health = await fetch(`${base}/health`, { headers: { 'x-api-key': 'sk-env-secret-value' } });
      expect(await health.json()).toMatchObject({ healthy: true, authorized: true });
      const init = await fetch(`${base}/env/CrafterClassic/initialize`, { method: 'POST', body: '{}', headers: { 'x-api-key': 'sk-env-secret-value' } });
      expect(((await init.json()) as { observation: { semantic_map: string } }).observation.semantic_map).toBe('<ndarray shape=(32, 32) dtype=uint8>');
    } finally {
      expect(await stop(p)).toBe(0);
    }
  });

  test('without ENVIRONMENT_API_KEY it still starts, says so, and answers 503', async () => {
    const p = await start(['task-app', '--port', '0'], {});
    try {
      expect(p.banner).toContain('NOT SET');
      const r = await fetch(`${url(p.banner, 'task app')}/test_auth`);
      expect(r.status).toBe(503);
    } finally {
      await stop(p);
    }
  });

  test('bad flags exit 2 naming the flag', async () => {
    expect((await cli(['task-app', '--preset', 'huge'])).err).toContain('--preset');
    expect((await cli(['task-app', '--port', '70000'])).code).toBe(2);
  });
});

describe('synth-rl sim starts the task app', () => {
  test('banner names the task app, the inference models and the env key; the two work together', async () => {
    const p = await start(['sim', '--port', '0', '--ephemeral', '--api-key', 'sk-sim'], { ENVIRONMENT_API_KEY: 'sk-env-sim' });
    try {
      expect(p.banner).toMatch(/task app {3}http:\/\/127\.0\.0\.1:\d+ {3}\[simulated\] Crafter \(toy grid, preset micro\)/);
      expect(p.banner).toContain('sim:random, sim:heuristic');
      expect(p.banner).not.toContain('sk-env-sim');
      expect(p.banner).toContain('export TASK_APP_BASE_URL=');
      const task = url(p.banner, 'task app');
      // --port 0 also picks a free task-app port, so parallel simulators never collide on 8001.
      expect(task).not.toEndWith(':8001');
      const inference = /inference\s+(http:\/\/127\.0\.0\.1:\d+\/inference)/.exec(p.banner)?.[1] as string;
      const r = await cli(['rollout', '--task-app-url', task, '--inference-url', inference, '--model', 'sim:heuristic', '--max-steps-each', '20', '--json'], { env: { ENVIRONMENT_API_KEY: 'sk-env-sim' } });
      expect(r.code).toBe(0);
      const summary = JSON.parse(r.out.trim().split('\n').at(-1) as string) as { mean_achievements: number };
      expect(summary.mean_achievements).toBeGreaterThan(0);
    } finally {
      expect(await stop(p)).toBe(0);
    }
  });

  test('--no-task-app skips it; without ENVIRONMENT_API_KEY a key is generated and shown once', async () => {
    const off = await start(['sim', '--port', '0', '--ephemeral', '--no-task-app'], {});
    try {
      expect(off.banner).toContain('task app   not started (--no-task-app)');
    } finally {
      await stop(off);
    }
    const gen = await start(['sim', '--port', '0', '--ephemeral'], {});
    try {
      const key = /env key {4}(env_[0-9a-f]{32}) {3}\(generated now/.exec(gen.banner)?.[1];
      expect(key).toBeDefined();
      expect(gen.banner).toContain(`export ENVIRONMENT_API_KEY=${key}`);
      const ok = await fetch(`${url(gen.banner, 'task app')}/test_auth`, { headers: { 'x-api-key': key as string } });
      expect(ok.status).toBe(200);
    } finally {
      await stop(gen);
    }
  });

  test('a busy task-app port: exit 2 naming --task-app-port', async () => {
    const busy = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') });
    try {
      const r = await cli(['sim', '--port', '0', '--ephemeral', '--task-app-port', String(busy.port)]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`task app port ${busy.port} is already in use`);
      expect(r.err).toContain('--task-app-port');
    } finally {
      await busy.stop(true);
    }
  });
});
