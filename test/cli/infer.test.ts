import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTar } from 'nanotar';
import { ACTION_NAMES } from '../../sim/crafter/index.ts';
import { startSimulator, type Simulator } from '../../sim/server.ts';
import { runTinyGrpoJob } from '../e2e/grpo-job.ts';
import { cli, tempDir } from '../helpers/cli.ts';
import { writeTinyCheckpoint } from '../helpers/tiny-checkpoint.ts';

let dir = '';
let tarball = '';
beforeAll(async () => {
  dir = tempDir();
  tarball = await writeTinyCheckpoint(dir);
});

describe('infer --weights (offline)', () => {
  test('runs the checkpoint through transformers.js and answers with interact actions', async () => {
    const r = await cli(['infer', '--weights', tarball, '--json'], { cwd: dir });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { mode: string; model: string; tool_calls: { name: string; arguments: string }[] };
    expect(out.mode).toBe('offline');
    expect(out.model).toBe('rl:Qwen-Qwen3-0.6B:job_00000000000000000aa:checkpoint-epoch-1');
    const args = JSON.parse(out.tool_calls[0]?.arguments as string) as { actions: string[] };
    expect(args.actions.length).toBeLessThanOrEqual(2);
    for (const a of args.actions) expect(ACTION_NAMES as readonly string[]).toContain(a);
  });

  test('RL_WEIGHTS_PATH works like --weights; the human output names the model and the tool call', async () => {
    const r = await cli(['infer'], { cwd: dir, env: { RL_WEIGHTS_PATH: tarball } });
    expect(r.code).toBe(0);
    expect(r.out).toContain('Tool call: interact(');
    expect(r.out).toContain('standing in for Qwen/Qwen3-0.6B');
  });

  test('missing, corrupt or foreign tarballs exit 2 with a clear reason', async () => {
    writeFileSync(join(dir, 'junk.tar.gz'), 'not gzip at all');
    writeFileSync(join(dir, 'empty.tar.gz'), Bun.gzipSync(new Uint8Array(createTar([{ name: 'readme.txt', data: 'hi' }]))));
    const cases: [string, string][] = [
      ['nope.tar.gz', 'checkpoint not found'],
      ['junk.tar.gz', 'is not a gzip file'],
      ['empty.tar.gz', 'missing config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx'],
    ];
    for (const [file, message] of cases) {
      const r = await cli(['infer', '--weights', file], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.err).toContain(message);
    }
  });

  test('without --model or --weights it explains what it needs', async () => {
    const r = await cli(['infer'], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.err).toContain('--model rl:');
  });
});

describe('infer --model rl:… (through the simulated backend)', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, apiKeys: ['sk-infer'], taskApp: { port: 0, environmentApiKey: 'env-infer' }, defaultTrainer: 'grpo', queueDelayMs: 5 });
  });
  afterAll(() => sim.stop());

  test('finds the weights, promotes, ensures and chats with the trained checkpoint', async () => {
    const job = await runTinyGrpoJob(sim.url, 'sk-infer', sim.taskApp?.url as string, 'env-infer');
    expect(job.status).toBe('succeeded');
    const env = { PROD_BACKEND_URL: sim.url, SYNTH_API_KEY: 'sk-infer' };
    const r = await cli(['infer', '--model', job.fineTunedModel as string, '--json'], { env });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { mode: string; tool_calls: { name: string; arguments: string }[]; notes: string[] };
    expect(out.mode).toBe('backend');
    expect(out.tool_calls[0]?.name).toBe('interact');
    expect(out.notes.join(' ')).toContain('from artifacts');
    const registry = await (await fetch(`${sim.apiUrl}/learning/models/rl/registry`, { headers: { authorization: 'Bearer sk-infer' } })).json() as { models: { id: string }[] };
    expect(registry.models.map((m) => m.id)).toContain(job.fineTunedModel as string);
  }, 60_000);

  test('an unknown rl: model is a 404 from the backend: exit 1 with the detail', async () => {
    const r = await cli(['infer', '--model', 'rl:Qwen-Qwen3-0.6B:job_0000000000000000000:checkpoint-epoch-1'], { env: { PROD_BACKEND_URL: sim.url, SYNTH_API_KEY: 'sk-infer' } });
    expect(r.code).toBe(1);
    expect(r.err).toContain('not found');
  });
});
