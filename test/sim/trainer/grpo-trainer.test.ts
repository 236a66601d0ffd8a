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

describe('GRPO trainer: a full run, and determinism', () => {
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
    // β = 0 here: the reference is never scored, so there is no KL to report (not a KL of 0).
    expect(names.has('train.kl')).toBe(false);
    for (const n of ['train.reward_mean', 'train.reward_std', 'train.frac_reward_zero_std', 'train.clip_ratio', 'train.entropy',
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
});

describe('GRPO trainer: update metrics and env-key failures', () => {
  test('an iteration with no update (every group zero-variance) omits loss, KL, entropy, grad norm and clip metrics', async () => {
    // One rollout per group: every group has zero spread, so no iteration updates the model.
    const cfg = smallConfig({ training: { num_epochs: 1, iterations_per_epoch: 2 }, trainer: { batch_size: 2, group_size: 1 }, evaluation: { seeds: [0], every_n_iters: 0 }, checkpoint: { enabled: false } });
    const { error, rec } = await runTrainer(grpoTrainer(h), h, cfg);
    expect(error).toBeUndefined();
    const steps = rec.events.filter((e) => e.type === 'rl.train.step');
    expect(steps.length).toBe(2);
    expect(steps.every((e) => e.data.updated === false && e.data.loss === undefined)).toBe(true);
    const names = new Set(rec.metrics.map((m) => m.name));
    for (const n of ['train.loss', 'train.policy_loss', 'train.kl', 'train.entropy', 'train.grad_norm', 'train.clip_ratio', 'train.clip_ratio_low', 'train.clip_ratio_high']) {
      expect(names.has(n)).toBe(false);
    }
    expect(rec.metrics.filter((m) => m.name === 'train.reward_mean').map((m) => m.step)).toEqual([1, 2]);
  });

  test('an update reports train.loss (surrogate + β·KL) and train.policy_loss (surrogate alone) apart', async () => {
    const cfg = smallConfig({ training: { num_epochs: 1, iterations_per_epoch: 2 }, hyperparams: { beta: 0.5, num_inner_steps: 2 }, evaluation: { seeds: [0], every_n_iters: 0 }, checkpoint: { enabled: false } });
    const { error, rec } = await runTrainer(grpoTrainer(h), h, cfg);
    expect(error).toBeUndefined();
    const at = (name: string, step: number) => rec.metrics.find((m) => m.name === name && m.step === step)?.value;
    const updated = rec.events.filter((e) => e.type === 'rl.train.step' && e.data.updated === true).map((e) => e.data.iteration as number);
    expect(updated.length).toBeGreaterThan(0);
    for (const it of updated) {
      const loss = at('train.loss', it) as number;
      const policy = at('train.policy_loss', it) as number;
      const kl = at('train.kl', it) as number;
      expect(loss).toBeCloseTo(policy + 0.5 * kl, 6);
    }
    // With β > 0 the two differ once the policy has moved from the reference (the second inner step's KL > 0).
    expect(updated.some((it) => (at('train.kl', it) as number) > 0 ? at('train.loss', it) !== at('train.policy_loss', it) : false)).toBe(true);
  });

  test('no env key, or a wrong one, fails with a reason that says what to do', async () => {
    const none = await runTrainer(grpoTrainer(h), h, smallConfig(), { envKey: undefined });
    expect(none.error?.message).toContain('no ENVIRONMENT_API_KEY');
    const wrong = await runTrainer(grpoTrainer(h), h, smallConfig(), { envKey: 'nope' });
    expect(wrong.error?.message).toContain('task app rejected the environment key');
    expect(wrong.error?.message).toContain('401');
  }, 30_000);
});
