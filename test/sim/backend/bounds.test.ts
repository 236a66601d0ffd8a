// Every size a job can ask for has a documented upper bound (README "Limits"): 422 naming the field
// and its limit at the API, exit 2 in the CLI; deep JSON is refused before anything recursive walks it.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JOB_LIMITS, MAX_JSON_DEPTH } from '../../../src/api/limits.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { Faults, FaultSpec, loadFaultSpec, MAX_FAULTS_FILE_BYTES } from '../../../sim/backend/faults.ts';
import { cli, tempDir } from '../../helpers/cli.ts';
import { MAIN } from '../../helpers/process.ts';
import { jobBody, startTestSim, type TestSim } from '../../helpers/sim.ts';

let t: TestSim;
beforeAll(async () => {
  t = await startTestSim();
});
afterAll(() => t.sim.stop());

type Detail = { detail: string | { loc: (string | number)[]; msg: string }[] };
const text = (d: Detail['detail']) => (typeof d === 'string' ? d : d.map((i) => `${i.loc.join('.')}: ${i.msg}`).join('\n'));

async function create(data: Record<string, unknown>, config: Record<string, unknown> = {}) {
  return t.json<Detail>('/api/rl/jobs', { json: jobBody(data, config) });
}

describe('job sizes at the API', () => {
  test('batch_size = 1e12 (data.trainer and [trainer]) → 422 naming the field and its limit; no job is created', async () => {
    const before = t.sim.store.jobsInStatus(['queued', 'initializing', 'training']).length;
    const a = await create({ trainer: { batch_size: 1e12, group_size: 4 } });
    expect(a.status).toBe(422);
    expect(text(a.body.detail)).toContain('data.trainer.batch_size');
    expect(text(a.body.detail)).toContain(`at most ${JOB_LIMITS.batch_size}`);
    const b = await create({ trainer: undefined }, { trainer: { batch_size: 1e12 } });
    expect(b.status).toBe(422);
    expect(text(b.body.detail)).toContain('data.config.trainer.batch_size');
    expect(t.sim.store.jobsInStatus(['queued', 'initializing', 'training']).length).toBe(before);
  });

  test.each([
    ['trainer.group_size', { trainer: { group_size: 1e9 } }, JOB_LIMITS.group_size],
    ['training.iterations_per_epoch', { training: { iterations_per_epoch: 1e12 } }, JOB_LIMITS.iterations_per_epoch],
    ['training.num_epochs', { training: { num_epochs: 1e9 } }, JOB_LIMITS.num_epochs],
    ['rollout.max_steps_per_episode', { rollout: { max_steps_per_episode: 1e9 } }, JOB_LIMITS.max_steps_per_episode],
    ['env.max_steps_per_episode', { env: { max_steps_per_episode: 1e9 } }, JOB_LIMITS.max_steps_per_episode],
    ['sim.max_actions', { sim: { max_actions: 1000 } }, JOB_LIMITS.max_actions],
    ['evaluation.seeds', { evaluation: { seeds: Array.from({ length: 5000 }, (_, i) => i) } }, JOB_LIMITS.eval_seeds],
    ['evaluation.rollouts_per_seed', { evaluation: { rollouts_per_seed: 1e6 } }, JOB_LIMITS.rollouts_per_seed],
    ['rollout.max_concurrent_rollouts', { rollout: { max_concurrent_rollouts: 1e7 } }, JOB_LIMITS.max_concurrent_rollouts],
    ['hyperparams.num_inner_steps', { hyperparams: { num_inner_steps: 1e9 } }, 64],
    ['sim.replay.iterations', { sim: { replay: { iterations: 1e12 } } }, JOB_LIMITS.replay_iterations],
  ])('%s too big → 422 naming it', async (field, config, limit) => {
    const r = await create({}, config);
    expect(r.status).toBe(422);
    expect(text(r.body.detail)).toContain(`data.config.${field}`);
    expect(text(r.body.detail)).toContain(`at most ${limit}`);
  });

  test('the work of one iteration is bounded as a whole: batch × group × steps', async () => {
    const r = await create({ trainer: { batch_size: 1024, group_size: 256 } }, { env: { max_steps_per_episode: 10_000 } });
    expect(r.status).toBe(422);
    expect(text(r.body.detail)).toContain(`exceeds the limit of ${JOB_LIMITS.rollouts_per_iteration}`);
    expect(text(r.body.detail)).toContain(`exceeds the limit of ${JOB_LIMITS.turns_per_iteration}`);
    // Within every limit: accepted.
    expect((await create({ trainer: { batch_size: 8, group_size: 8 } }, { env: { max_steps_per_episode: 100 } })).status).toBe(201);
  });

  test.each(['tags', 'metadata', 'config'])('a 100k-deep array in %s → 422, not a stack overflow', async (where) => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const body = JSON.stringify(jobBody()).replace('"job_type":"rl"', where === 'config' ? '"job_type":"rl"' : `"job_type":"rl","${where}":{"x":${deep}}`);
    const withConfig = where === 'config' ? body.replace('"config":{', `"config":{"deep":${deep},`) : body;
    const r = await t.req('/api/rl/jobs', { method: 'POST', body: withConfig, headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(422);
    expect(((await r.json()) as { detail: string }).detail).toContain(`deeper than ${MAX_JSON_DEPTH} levels`);
    expect((await t.req('/api/health')).status).toBe(200);
  });

  test('nesting within the limit, and brackets inside strings, are fine', async () => {
    const nested = JSON.parse(`${'['.repeat(20)}1${']'.repeat(20)}`) as unknown;
    expect((await create({ metadata: { n: nested, s: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[' } })).status).toBe(201);
  });
});

describe('job sizes in the CLI and the config loader (exit 2)', () => {
  test('--batch-size 1e12 → exit 2 naming the flag and the limit', async () => {
    const r = await cli(['config', '--batch-size', '1000000000000']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--batch-size');
    expect(r.err).toContain(`at most ${JOB_LIMITS.batch_size}`);
  });

  test('a config file asking for too much → exit 2 naming the key, its line and the limit', async () => {
    const cwd = tempDir({ 'rl.toml': '[trainer]\nbatch_size = 8\n\n[rollout]\nmax_steps_per_episode = 1000000000\n' });
    const r = await cli(['config', '--config-path', 'rl.toml'], { cwd });
    expect(r.code).toBe(2);
    expect(r.err).toContain('rl.toml:5');
    expect(r.err).toContain('[rollout].max_steps_per_episode');
    expect(r.err).toContain(`at most ${JOB_LIMITS.max_steps_per_episode}`);
  });
});

describe('other inputs with a size', () => {
  test('fault path patterns like /api/**a**a…b match in linear time (no backtracking blow-up)', () => {
    const f = new Faults();
    const pattern = `/api/${'**a'.repeat(30)}b`;
    f.set(FaultSpec.parse({ routes: [{ path: pattern, error_status: 500 }] }));
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) expect(f.forRequest('GET', `/api/${'a'.repeat(200)}`).errorStatus).toBeUndefined();
    // Backtracking takes seconds per request here; the automaton takes microseconds.
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(f.forRequest('GET', `/api/${'a/'.repeat(40)}ab`).errorStatus).toBe(500);
  });

  test('fault patterns are bounded in total, so one org cannot stall the shared event loop', () => {
    const route = (n: number) => ({ path: `/api/${'**a'.repeat(n)}`, error_status: 500 });
    expect(FaultSpec.safeParse({ routes: Array.from({ length: 5 }, () => route(160)) }).success).toBe(false);
    expect(FaultSpec.safeParse({ routes: Array.from({ length: 65 }, () => route(1)) }).success).toBe(false);
    expect(FaultSpec.safeParse({ routes: Array.from({ length: 4 }, () => route(160)) }).success).toBe(true);
    const f = new Faults();
    f.set(FaultSpec.parse({ routes: Array.from({ length: 4 }, () => route(160)) }));
    const t0 = performance.now();
    f.forRequest('GET', `/api/${'a'.repeat(4000)}`);
    f.forRequest('GET', `/api/${'a'.repeat(1000)}`);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  test('fault patterns keep their meaning: * one segment, ** any rest, optional trailing slash', () => {
    const f = new Faults();
    const hit = (pattern: string, path: string) => {
      f.set(FaultSpec.parse({ routes: [{ path: pattern, error_status: 503 }] }));
      return f.forRequest('GET', path).errorStatus === 503;
    };
    expect(hit('/api/learning/jobs/*', '/api/learning/jobs/job_1')).toBe(true);
    expect(hit('/api/learning/jobs/*', '/api/learning/jobs/job_1/')).toBe(true);
    expect(hit('/api/learning/jobs/*', '/api/learning/jobs/job_1/events')).toBe(false);
    expect(hit('/api/learning/jobs/*', '/api/learning/jobs/')).toBe(false);
    expect(hit('/api/**', '/api/a/b/c')).toBe(true);
    expect(hit('/api/**', '/api/')).toBe(true);
    expect(hit('/api/*/events', '/api/x/events')).toBe(true);
    expect(hit('/api/health', '/api/healthz')).toBe(false);
    expect(hit('/api/a.b', '/api/axb')).toBe(false);
    expect(hit('/**/events', '/api/rl/jobs/x/events')).toBe(true);
  });

  test('--faults /dev/zero and oversized files are refused (regular files only, size-capped)', async () => {
    await expect(loadFaultSpec('/dev/zero')).rejects.toThrow('--faults: /dev/zero is not a regular file');
    const dir = tempDir();
    const big = join(dir, 'big.json');
    writeFileSync(big, `{"routes":[],"pad":"${'x'.repeat(MAX_FAULTS_FILE_BYTES)}"}`);
    await expect(loadFaultSpec(big)).rejects.toThrow(`exceeds the ${MAX_FAULTS_FILE_BYTES}-byte limit`);
  });

  test('`synth-rl sim --faults /dev/zero` exits 2 at once', () => {
    const r = Bun.spawnSync([process.execPath, MAIN, 'sim', '--faults', '/dev/zero', '--ephemeral', '--port', '0'], { stdout: 'pipe', stderr: 'pipe', timeout: 20_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.toString()).toContain('not a regular file');
  });

  test('warnings for 20k unknown TOML keys are linear (quadratic took ~55 s)', async () => {
    const lines = ['[trainer]', 'batch_size = 2', '[extra]'];
    for (let i = 0; i < 20_000; i++) lines.push(`key_${i} = ${i}`);
    const cwd = tempDir({ 'rl.toml': `${lines.join('\n')}\n` });
    const t0 = performance.now();
    const r = await cli(['config', '--config-path', 'rl.toml'], { cwd });
    const ms = performance.now() - t0;
    expect(r.code).toBe(0);
    expect(r.err + r.out).toContain('rl.toml:3: unknown key extra;');
    const unknown = new Set<string>();
    const cfg = loadConfig({ env: {}, cwd, flags: new Map([['config-path', 'rl.toml']]) });
    for (const w of cfg.warnings) unknown.add(w);
    expect(unknown.size).toBe(1);
    expect(ms).toBeLessThan(10_000);
  });

  test('20k unknown keys inside a known section: each named on its own line, linear', () => {
    const lines = ['[training]'];
    for (let i = 0; i < 20_000; i++) lines.push(`unknown_${i} = ${i}`);
    const cwd = tempDir({ 'rl.toml': `${lines.join('\n')}\n` });
    const t0 = performance.now();
    const cfg = loadConfig({ env: {}, cwd, flags: new Map([['config-path', 'rl.toml']]) });
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(cfg.warnings.length).toBe(20_000);
    expect(cfg.warnings[19_999]).toContain('rl.toml:20001: unknown key [training].unknown_19999');
  });
});
