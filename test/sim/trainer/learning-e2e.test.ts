// Learning guarded end to end: a seeded GRPO job (real task app and inference server over HTTP,
// compute in the trainer's Worker) must end with an eval reward clearly above both its own
// iteration-0 value and `sim:random` on the same eval seeds. scripts/mutations.ts breaks the update
// (advantage sign, optimiser step, …) and expects this test to go red.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { rolloutReward, runRollouts } from '../../../sim/trainer/rollouts.ts';
import { ENV_KEY, grpoTrainer, runTrainer, startHarness, type Harness } from '../../helpers/trainer.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

const EVAL_SEEDS = Array.from({ length: 32 }, (_, i) => i);
const STEPS = 10;
/**
 * Achievements per episode the trained policy must gain over its iteration-0 value and over
 * sim:random. Measured with exactly this config (12 iterations, 32 eval rollouts) for job seeds 0..4
 * (2 shared, loaded cores; ~40 s each, ~20 s of CPU):
 *   job seed                    0      1      2      3      4
 *   eval at iteration 0       0.31   0.03   0.06   0.22   0.19
 *   eval at iteration 12      0.75   0.69   0.72   0.56   0.78
 *   gain over max(initial, random)  0.44   0.56   0.66   0.34   0.59   (mean 0.52, sd 0.13)
 * sim:random on these seeds: 0.125. Evaluation noise: per-rollout sd 0.42 untrained, 0.68 trained,
 * so one 32-rollout eval has a standard error of 0.07–0.12 and two evals of an unchanged policy
 * differ by sd ≈ 0.1–0.15; measured with the optimiser step skipped (scripts/mutations.ts): 0.06 →
 * 0.13. The margin, 0.25, is ~2 sd of that no-learning difference, and ~2 sd of the seed-to-seed
 * spread below the mean gain.
 * The test runs seed 2 (a fixed run: same seed and config give identical metrics; re-measured on
 * the device seam's cpu device: identical to the old engine).
 */
const MARGIN = 0.25;
const JOB_SEED = 2;

function config(): Record<string, unknown> {
  return {
    training: { num_epochs: 1, iterations_per_epoch: 12 },
    trainer: { batch_size: 4, group_size: 8 },
    env: { max_steps_per_episode: STEPS },
    evaluation: { seeds: EVAL_SEEDS, every_n_iters: 100 },
    rollout: { max_concurrent_rollouts: 16 },
    checkpoint: { enabled: false },
    sim: { trainer: 'grpo', preset: 'micro', seed: JOB_SEED, learning_rate: 0.02, model: { n_layer: 1, n_head: 2, d_model: 32, n_ctx: 96 } },
  };
}

async function randomBaseline(): Promise<number> {
  const specs = EVAL_SEEDS.map((seed) => ({ traceId: `random.${seed}`, seed }));
  const results = await runRollouts(specs, {
    taskAppUrl: h.taskApp.url, envKey: ENV_KEY, inferenceBaseUrl: h.inferenceUrl, policyModel: 'sim:random', preset: 'micro',
    maxSteps: STEPS, temperature: 1, topP: 1, timeoutS: 60, signal: new AbortController().signal,
  }, 16);
  return results.reduce((s, r) => s + rolloutReward(r, 'achievements'), 0) / results.length;
}

test('a seeded GRPO job ends with an eval reward above its initial value and above sim:random on the same seeds', async () => {
  const random = await randomBaseline();
  const { error, rec } = await runTrainer(grpoTrainer(h), h, config());
  expect(error).toBeUndefined();
  const initial = rec.metrics.find((m) => m.name === 'eval.reward_mean_initial')?.value as number;
  const final = rec.metrics.filter((m) => m.name === 'eval.reward_mean').at(-1)?.value as number;
  const sd = rec.metrics.filter((m) => m.name === 'eval.reward_std').at(-1)?.value as number;
  const curve = rec.metrics.filter((m) => m.name === 'train.reward_mean').map((m) => m.value.toFixed(2)).join(' ');
  // Printed so a failure (or a mutation run) shows how far off it was.
  console.log(`learning e2e: sim:random ${random.toFixed(3)}, initial ${initial.toFixed(3)}, final ${final.toFixed(3)} (per-rollout sd ${sd.toFixed(2)}); train reward by iteration: ${curve}`);
  expect(final - initial).toBeGreaterThan(MARGIN);
  expect(final - random).toBeGreaterThan(MARGIN);
}, 400_000);
