// bench/crafter — steps per second (one core, uniformly random policy) and reset time for each map
// preset of the toy Crafter engine, with the original Python Crafter and craftax.c alongside.
//
//   bun run bench:crafter                  all presets
//   bun run bench/crafter.ts micro small   chosen presets
//   BENCH_SECONDS=3 bun run bench:crafter  longer timing windows (default 1 s per trial)
//
// Prints a table for people and one `BENCH <name> <value> <unit>` line per figure for machines.
// steps_per_s times env.step() only (resets are timed separately and subtracted); the
// steps_per_s_with_reset line is the throughput an RL loop with auto-reset sees.

import { CrafterEnv, PRESETS, type Preset } from '../sim/crafter/index.ts';

const TRIALS = 3;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
// Peers, per core (docs/crafter.md §6.1, §6.2, §8.7).
const PYTHON_CRAFTER_STEPS_PER_S = 5_000; // original Crafter, rendering disabled, this class of CPU
const PYTHON_CRAFTER_RESET_US = 95_000;
const CRAFTAX_C_STEPS_PER_S = 3_000_000; // craftax.c, C + AVX-512, per core
const TARGET_SMALL_STEPS_PER_S = 1_000_000;
const TARGET_MICRO_RESET_US = 100;

interface StepFigures {
  stepsPerS: number;
  stepsPerSWithReset: number;
  meanEpisode: number;
}

/** xorshift32: cheap, and independent of the env's own PRNG. */
function makeRandomPolicy(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % 17;
  };
}

function timeSteps(env: CrafterEnv, seconds: number, seed: number): StepFigures {
  const policy = makeRandomPolicy(seed);
  const budgetNs = seconds * 1e9;
  let steps = 0;
  let episodes = 0;
  let episodeSteps = 0;
  let resetNs = 0;
  const t0 = Bun.nanoseconds();
  let now = t0;
  while (now - t0 < budgetNs) {
    // Check the clock every 4096 steps so timing stays off the measured path.
    for (let i = 0; i < 4096; i++) {
      if (env.step(policy()).done) {
        episodeSteps += env.stepCount;
        episodes++;
        const r0 = Bun.nanoseconds();
        env.reset();
        resetNs += Bun.nanoseconds() - r0;
      }
    }
    steps += 4096;
    now = Bun.nanoseconds();
  }
  const totalNs = now - t0;
  return {
    stepsPerS: steps / ((totalNs - resetNs) / 1e9),
    stepsPerSWithReset: steps / (totalNs / 1e9),
    meanEpisode: episodes > 0 ? episodeSteps / episodes : Number.NaN,
  };
}

function timeResets(env: CrafterEnv, seconds: number, firstSeed: number): number {
  const budgetNs = seconds * 1e9;
  let n = 0;
  const t0 = Bun.nanoseconds();
  let now = t0;
  while (now - t0 < budgetNs) {
    for (let i = 0; i < 16; i++) env.reset(firstSeed + n++);
    now = Bun.nanoseconds();
  }
  return (now - t0) / 1e3 / n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function benchPreset(preset: Preset): { steps: StepFigures; resetUs: number; resetBestUs: number } {
  const env = new CrafterEnv({ preset, seed: 1 });
  // Warm-up so the JIT has compiled the step and the generator before timing.
  timeSteps(env, Math.min(0.3, SECONDS), 99);
  timeResets(env, Math.min(0.2, SECONDS / 2), 1_000_000);
  const stepTrials: StepFigures[] = [];
  const resetTrials: number[] = [];
  for (let t = 0; t < TRIALS; t++) {
    stepTrials.push(timeSteps(env, SECONDS, 1000 + t));
    resetTrials.push(timeResets(env, SECONDS / 2, 2_000_000 + t * 1_000_000));
  }
  const pick = (f: (s: StepFigures) => number) => median(stepTrials.map(f));
  return {
    steps: {
      stepsPerS: pick((s) => s.stepsPerS),
      stepsPerSWithReset: pick((s) => s.stepsPerSWithReset),
      meanEpisode: pick((s) => s.meanEpisode),
    },
    resetUs: median(resetTrials),
    resetBestUs: Math.min(...resetTrials),
  };
}

const requested = process.argv.slice(2);
const presets = (requested.length > 0 ? requested : Object.keys(PRESETS)) as Preset[];
for (const p of presets) {
  if (!(p in PRESETS)) {
    console.error(`unknown preset ${p}; choose from ${Object.keys(PRESETS).join(', ')}`);
    process.exit(2);
  }
}

console.log(`toy Crafter engine — one core, uniformly random policy, median of ${TRIALS} trials × ${SECONDS} s`);
console.log(`Bun ${Bun.version}, ${process.platform}/${process.arch}`);
console.log('');
console.log(
  'preset    map      steps/s (step only)  vs Python Crafter  vs craftax.c  steps/s (with resets)  mean episode  reset µs (median / best)',
);
const machine: string[] = [];
for (const preset of presets) {
  const { steps, resetUs, resetBestUs } = benchPreset(preset);
  const size = PRESETS[preset].size;
  console.log(
    `${preset.padEnd(9)} ${`${size}×${size}`.padEnd(8)} ${fmt(steps.stepsPerS).padStart(19)}  ` +
      `${`${fmt(steps.stepsPerS / PYTHON_CRAFTER_STEPS_PER_S)}×`.padStart(17)}  ` +
      `${`${fmt(steps.stepsPerS / CRAFTAX_C_STEPS_PER_S, 2)}×`.padStart(12)}  ` +
      `${fmt(steps.stepsPerSWithReset).padStart(21)}  ${fmt(steps.meanEpisode, 1).padStart(12)}  ` +
      `${fmt(resetUs, 1).padStart(10)} / ${fmt(resetBestUs, 1)}`,
  );
  machine.push(
    `BENCH crafter.${preset}.steps_per_s ${Math.round(steps.stepsPerS)} steps/s`,
    `BENCH crafter.${preset}.steps_per_s_with_reset ${Math.round(steps.stepsPerSWithReset)} steps/s`,
    `BENCH crafter.${preset}.reset_us ${resetUs.toFixed(1)} us`,
  );
  if (preset === 'small') {
    machine.push(`# target small ≥ ${fmt(TARGET_SMALL_STEPS_PER_S)} steps/s: ${steps.stepsPerS >= TARGET_SMALL_STEPS_PER_S ? 'met' : 'MISSED'}`);
  }
  if (preset === 'micro') {
    machine.push(`# target micro reset ≤ ${TARGET_MICRO_RESET_US} us: ${resetUs <= TARGET_MICRO_RESET_US ? 'met' : 'MISSED'}`);
  }
}
console.log('');
console.log(
  `peers per core: Python Crafter ≈ ${fmt(PYTHON_CRAFTER_STEPS_PER_S)} steps/s without rendering, reset ≈ ${fmt(PYTHON_CRAFTER_RESET_US / 1000)} ms; ` +
    `craftax.c ≈ ${fmt(CRAFTAX_C_STEPS_PER_S)} steps/s (C + AVX-512)`,
);
console.log('');
for (const line of machine) console.log(line);
