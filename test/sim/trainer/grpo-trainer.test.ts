// The GRPO trainer end to end against a real task app over HTTP, with the compute in a Worker.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { numParams, type ModelConfig } from '../../../sim/model/config.ts';
import { openCheckpoint } from '../../../src/runtime/checkpoint.ts';
import { loadTransformers } from '../../../src/runtime/transformers.ts';
import { InlineEngine } from '../../../sim/trainer/engine.ts';
import { grpoTrainer, runTrainer, smallConfig, startHarness, type Harness } from '../../helpers/trainer.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

const TIMING = new Set(['train.step_seconds', 'train.rollouts_per_s']);

describe('GRPO trainer', () => {
  test('trains, evaluates and checkpoints; events and metrics say what happened', async () => {
    const { result, error, rec } = await runTrainer(grpoTrainer(h), h, smallConfig());
    expect(error).toBeUndefined();
    const types = rec.events.map((e) => e.type);
    expect(types[0]).toBe('rl.train.started');
    expect(types.filter((t) => t === 'rl.train.step').length).toBe(3);
    expect(types.filter((t) => t === 'rl.eval.summary').length).toBe(3); // iteration 0, 2 and the last (3)
    expect(types.at(-1)).toBe('rl.train.completed');
    const started = rec.events[0]?.data as Record<string, unknown>;
    expect(started.stands_in_for).toBe('Qwen/Qwen3-0.6B');
    expect(String(started.simulated_model)).toContain('gpt2-tiny');
    expect(String(started.device)).toMatch(/^cpu \(wasm simd kernels, \d+ threads?\)$/);
    const names = new Set(rec.metrics.map((m) => m.name));
    for (const n of ['train.reward_mean', 'train.reward_std', 'train.frac_reward_zero_std', 'train.kl', 'train.clip_ratio', 'train.entropy',
      'train.policy_loss', 'train.grad_norm', 'train.tokens', 'train.step_seconds', 'train.rollouts_per_s', 'eval.reward_mean', 'eval.reward_mean_initial']) {
      expect(names).toContain(n);
    }
    expect(rec.metrics.every((m) => m.step >= 1)).toBe(true);
    // Sampling and training score the same distribution: on-policy ratios are 1 up to float error.
    for (const e of rec.events.filter((x) => x.type === 'rl.train.step' && x.data.updated === true)) {
      expect(e.data.ratio_dev as number).toBeLessThan(1e-3);
    }
    // Concurrent rollouts' sampling requests reach the device in batches.
    const steps = rec.events.filter((x) => x.type === 'rl.train.step');
    expect(Math.max(...steps.map((e) => e.data.sample_batch_mean as number))).toBeGreaterThan(1);
    expect(rec.checkpoints.map((c) => [c.iteration, c.label])).toEqual([[2, 'checkpoint-epoch-1-step-2'], [3, 'checkpoint-epoch-1']]);
    expect(result?.fineTunedModel).toBe('rl:Qwen-Qwen3-0.6B:job_0000000000000000001:checkpoint-epoch-1');
    // The tarball a job wrote is a Hugging Face folder (transformers.js pipeline() loads it) plus
    // the native weights and optimizer state.
    const opened = await openCheckpoint(rec.files.at(-1)?.path as string);
    try {
      expect(opened.info).toMatchObject({ iteration: 3, epoch: 1, base_model: 'Qwen/Qwen3-0.6B' });
      const meta = JSON.parse(readFileSync(join(opened.dir, 'synth_rl/checkpoint.json'), 'utf8')) as { model: ModelConfig };
      for (const f of ['weights.f32', 'adam_m.f32', 'adam_v.f32']) {
        expect(statSync(join(opened.dir, 'synth_rl', f)).size).toBe(numParams(meta.model) * 4);
      }
      const t = await loadTransformers(dirname(opened.dir));
      const pipe = (await t.pipeline('text-generation', basename(opened.dir))) as unknown as ((x: string, o: object) => Promise<{ generated_text: string }[]>) & { dispose(): Promise<void> };
      const out = await pipe('[BOS] facing east inventory health 9 map grass tree [SEP]', { max_new_tokens: 2 });
      expect(out[0]?.generated_text).toStartWith('facing east inventory health 9 map grass tree');
      await pipe.dispose();
    } finally {
      opened.close();
    }
    expect(rec.phases).toContain('evaluating');
    expect(h.inference.has('sim-policy:job_0000000000000000001')).toBe(false);
  }, 60_000);

  test('determinism: the same seed and config give identical first 3 iterations (Worker vs inline compute too)', async () => {
    const cfg = smallConfig({ evaluation: { seeds: [0, 1], every_n_iters: 3 }, checkpoint: { enabled: false } });
    const a = await runTrainer(grpoTrainer(h), h, cfg, { jobId: 'job_000000000000000000a' });
    const b = await runTrainer(grpoTrainer(h, () => new InlineEngine()), h, cfg, { jobId: 'job_000000000000000000a' });
    expect(a.error).toBeUndefined();
    expect(b.error).toBeUndefined();
    const pick = (r: typeof a) => r.rec.metrics.filter((m) => !TIMING.has(m.name)).map((m) => [m.name, m.step, m.value]);
    expect(pick(a).length).toBeGreaterThan(30);
    expect(pick(b)).toEqual(pick(a));
    // Job ids are new on every run: the same seed and config must not depend on them.
    const other = await runTrainer(grpoTrainer(h), h, cfg, { jobId: 'job_00000000000000000b7' });
    expect(pick(other)).toEqual(pick(a));
    const c = await runTrainer(grpoTrainer(h), h, smallConfig({ sim: { ...(smallConfig().sim as object), seed: 4 }, checkpoint: { enabled: false } }), { jobId: 'job_000000000000000000a' });
    expect(pick(c)).not.toEqual(pick(a));
  }, 90_000);

  test('no env key, or a wrong one, fails with a reason that says what to do', async () => {
    const none = await runTrainer(grpoTrainer(h), h, smallConfig(), { envKey: undefined });
    expect(none.error?.message).toContain('no ENVIRONMENT_API_KEY');
    const wrong = await runTrainer(grpoTrainer(h), h, smallConfig(), { envKey: 'nope' });
    expect(wrong.error?.message).toContain('task app rejected the environment key');
    expect(wrong.error?.message).toContain('401');
  }, 30_000);
});
