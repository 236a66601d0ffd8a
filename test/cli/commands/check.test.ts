// `synth-rl check`: each line OK/WARN/FAIL with its reason, exit 1 on any FAIL. Detects a backend
// that is down, a wrong API key, an unreachable task app and a wrong ENVIRONMENT_API_KEY (soft 200
// included, docs/reference-client.md §2.11).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Simulator } from '../../../sim/server.ts';
import { cli } from '../../helpers/cli.ts';
import { API_KEY, stubTaskApp, startTestSim } from '../../helpers/client-sim.ts';

let sim: Simulator;
const apps: { stop(): void }[] = [];
beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(async () => {
  for (const a of apps) a.stop();
  await sim.stop();
});

function app(opts: Parameters<typeof stubTaskApp>[0]) {
  const a = stubTaskApp(opts);
  apps.push(a);
  return a;
}

function lines(out: string): Record<string, string> {
  return Object.fromEntries(out.trim().split('\n').map((l) => {
    const i = l.indexOf(': ');
    return [l.slice(0, i), l.slice(i + 2)];
  }));
}

describe('check', () => {
  test('all good → 0, one OK line per check', async () => {
    const ta = app({ key: 'env-good' });
    const r = await cli(['check', '--backend-url', sim.url, '--api-key', API_KEY, '--task-app-url', ta.url], { env: { ENVIRONMENT_API_KEY: 'env-good' } });
    expect(r.code).toBe(0);
    const l = lines(r.out);
    expect(l['backend.health']).toStartWith('OK ');
    expect(l['backend.auth']).toStartWith('OK API key accepted');
    expect(l['task_app.health']).toStartWith('OK ');
    expect(l['task_app.rollout_health']).toStartWith('OK ');
    expect(l.result).toMatch(/^(OK|WARN)/);
    expect(r.out).not.toContain('env-good');
  });

  test('backend down → FAIL naming the URL, exit 1', async () => {
    const r = await cli(['check', '--backend-url', 'http://127.0.0.1:9', '--api-key', API_KEY]);
    expect(r.code).toBe(1);
    expect(lines(r.out)['backend.health']).toStartWith('FAIL cannot reach http://127.0.0.1:9/api');
    expect(lines(r.out).result).toStartWith('FAIL');
  });

  test('wrong API key → FAIL "API key rejected", exit 1', async () => {
    const r = await cli(['check', '--backend-url', `${sim.url}/api`], { env: { SYNTH_API_KEY: 'sk-wrong' } });
    expect(r.code).toBe(1);
    const line = lines(r.out)['backend.health'] ?? '';
    expect(line).toStartWith(`FAIL API key rejected by ${sim.url}/api (HTTP 401`);
    expect(line).toContain('env SYNTH_API_KEY');
    expect(r.out).not.toContain('sk-wrong');
  });

  test('task app unreachable → FAIL, exit 1', async () => {
    const r = await cli(['check', '--backend-url', sim.url, '--api-key', API_KEY, '--task-app-url', 'http://127.0.0.1:9'], { env: { ENVIRONMENT_API_KEY: 'x' } });
    expect(r.code).toBe(1);
    expect(lines(r.out)['task_app.health']).toStartWith('FAIL task app unreachable at http://127.0.0.1:9/health');
  });

  for (const style of ['strict401', 'soft200'] as const) {
    test(`wrong ENVIRONMENT_API_KEY (${style === 'soft200' ? 'soft 200 authorized:false' : '401'}) → FAIL, exit 1`, async () => {
      const ta = app({ key: 'env-the-right-one', style });
      const r = await cli(['check', '--backend-url', sim.url, '--api-key', API_KEY, '--task-app-url', ta.url], { env: { ENVIRONMENT_API_KEY: 'env-wrong' } });
      expect(r.code).toBe(1);
      const rollout = lines(r.out)['task_app.rollout_health'] ?? '';
      expect(rollout).toStartWith('FAIL task app rejected ENVIRONMENT_API_KEY');
      expect(rollout).toContain('differs from the task app');
      expect(r.out).not.toContain('env-wrong');
    });
  }

  test('--json: the checks and the verdict', async () => {
    const ta = app({ key: 'k1', style: 'soft200' });
    const r = await cli(['check', '--backend-url', sim.url, '--api-key', API_KEY, '--task-app-url', ta.url, '--json'], { env: { ENVIRONMENT_API_KEY: 'k2' } });
    expect(r.code).toBe(1);
    const body = JSON.parse(r.out) as { ok: boolean; result: string; checks: { name: string; level: string; httpStatus?: number }[] };
    expect(body.ok).toBe(false);
    expect(body.result).toBe('fail');
    expect(body.checks.find((c) => c.name === 'task_app.health')).toMatchObject({ level: 'fail', httpStatus: 200 });
    expect(body.checks.find((c) => c.name === 'backend.auth')?.level).toBe('ok');
  });

  test('missing API key → 2 naming --api-key and SYNTH_API_KEY', async () => {
    const r = await cli(['check', '--backend-url', sim.url]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--api-key');
    expect(r.err).toContain('SYNTH_API_KEY');
  });
});
