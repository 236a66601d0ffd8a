// One GRPO job as a sequence of committed stages (resume-state.ts): the initial evaluation, then
// per iteration rollouts → update → evaluation (when due) → checkpoint (when due). Each stage
// ends in one transaction that makes its events, its metrics and the next resume record visible
// together, so a job restarted after a crash continues at the first stage not committed.
//
// Every metric of a step goes out in one commit: the train metrics wait for the step's
// evaluation when one is due, and the initial evaluation (recorded at step 1) waits for step 1.
// A client that keeps one after_step cursor across all names therefore never skips a metric.
import { join } from 'node:path';
import { checkpointLabel, rlModelId } from '../../src/api/models.ts';
import type { RolloutResponse } from '../../src/api/taskapp.ts';
import type { NewMetric } from '../backend/store.ts';
import type { Commit, TrainerContext, TrainerResult } from '../backend/trainer.ts';
import type { PolicyTokenizer } from '../policy/tokenizer.ts';
import { CHECKPOINT_FORMAT, checkpointFiles, pruneCheckpoints, writeCheckpoint } from './checkpoint.ts';
import type { PolicyEngine } from './engine.ts';
import { computeAdvantages, std } from './grpo.ts';
import type { JobPolicy } from './job-policy.ts';
import type { TrainSequence } from './protocol.ts';
import { pruneResumeStates, writeResumeState, type EvalSummary, type GrpoResume } from './resume-state.ts';
import { evalEpisodes, trainEpisodes, type EpisodeInput, type RolloutKind } from './rollout-record.ts';
import { rolloutReward, runRollouts, type RolloutSpec, type RolloutTarget } from './rollouts.ts';
import type { GrpoSettings } from './settings.ts';

const PROGRESS_EVERY_MS = 3000;
const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

export interface JobRunDeps {
  ctx: TrainerContext;
  s: GrpoSettings;
  engine: PolicyEngine;
  policy: JobPolicy;
  tok: PolicyTokenizer;
  target: RolloutTarget;
  /** "gpt2-tiny (L=…)": what the small model is. */
  described: string;
  model: { vocabSize: number; nLayer: number; nHead: number; dModel: number; maxSeqLen: number };
  checkpointDir: string;
  /** The job's resume folder; undefined: no resume states are written. */
  resumeDir: string | undefined;
  /** The frozen KL reference, saved with every resume state (only when the job uses one). */
  reference: Float32Array | undefined;
  /** Records a sample of a batch's episodes (rollout-record.ts); a redone iteration replaces its record. */
  record: (kind: RolloutKind, iteration: number, episodes: EpisodeInput[]) => void;
}

export class GrpoJobRun {
  constructor(private readonly d: JobRunDeps, private rec: GrpoResume) {}

  /** Runs every stage not yet committed; returns the fine-tuned model (the last checkpoint). */
  async run(): Promise<TrainerResult> {
    while (this.rec.stage !== 'finished') await this.advance();
    return this.rec.last_model === null ? {} : { fineTunedModel: this.rec.last_model };
  }

  private advance(): Promise<void> {
    const r = this.rec;
    switch (r.stage) {
      case 'started':
        return this.initialEvaluation();
      case 'updated':
        return this.evaluation(r.iteration);
      case 'committed':
        return this.checkpoint(r.iteration);
      case 'done':
        return r.iteration >= this.d.s.iterations ? this.finish() : this.iteration(r.iteration + 1);
      case 'finished':
        return Promise.resolve();
    }
  }

  private async commit(c: Commit & { resume: GrpoResume }): Promise<void> {
    await this.d.ctx.commit(c);
    this.rec = c.resume;
  }

  private epochOf(it: number): number {
    return Math.ceil(it / this.d.s.iterationsPerEpoch);
  }

  private evalDue(it: number): boolean {
    const s = this.d.s;
    return s.evalEvery > 0 && (it % s.evalEvery === 0 || it === s.iterations);
  }

  private checkpointDue(it: number): boolean {
    const s = this.d.s;
    return s.checkpointsEnabled && (it % s.checkpointInterval === 0 || it === s.iterations);
  }

  /** Rollouts with a progress event every few seconds (docs/wire-contract.md §9.1: pollers never see a busy job as stalled). */
  private async withProgress(label: string, iteration: number, specs: RolloutSpec[], onDone?: (done: number) => Promise<void>): Promise<RolloutResponse[]> {
    let done = 0;
    const timer = setInterval(() => {
      void this.d.ctx.emit('rl.train.rollouts', `${label}: ${done}/${specs.length} rollouts done`, { iteration, done, total: specs.length }).catch(() => {});
    }, PROGRESS_EVERY_MS);
    try {
      return await runRollouts(specs, this.d.target, this.d.s.concurrency, () => onDone?.(++done));
    } finally {
      clearInterval(timer);
    }
  }

  private async evaluate(iteration: number): Promise<EvalSummary> {
    const { s, ctx, policy } = this.d;
    const specs: RolloutSpec[] = s.evalSeeds.flatMap((seed) => Array.from({ length: s.evalRolloutsPerSeed }, (_, r) => ({ traceId: `${ctx.job.id}.eval${iteration}.${seed}.${r}`, seed })));
    const results = await this.withProgress(`evaluation at iteration ${iteration}`, iteration, specs);
    const turns = specs.map((spec) => policy.take(spec.traceId));
    const rewards = results.map((r) => rolloutReward(r, s.reward));
    this.d.record('eval', iteration, evalEpisodes(specs, s.evalRolloutsPerSeed, results, turns, rewards));
    return { mean: mean(rewards), std: std(rewards), n: rewards.length, achievements: achievementRates(results) };
  }

  private async initialEvaluation(): Promise<void> {
    const { ctx, s } = this.d;
    ctx.setPhase('evaluating');
    await ctx.emit('rl.eval.started', 'evaluation of the initial policy (iteration 0)', { iteration: 0, seeds: s.evalSeeds });
    const initial = await this.evaluate(0);
    // Recorded at step 1: it goes out with step 1's other metrics.
    const metric: NewMetric = { name: 'eval.reward_mean_initial', value: initial.mean, step: 1, epoch: 1, phase: 'eval', data: { iteration: 0, n: initial.n } };
    await this.commit({
      events: [{
        type: 'rl.eval.summary', message: `eval at iteration 0: reward_mean=${initial.mean.toFixed(3)}`,
        data: { iteration: 0, reward_mean: initial.mean, reward_std: initial.std, n: initial.n, achievement_rates: initial.achievements },
      }],
      resume: { ...this.rec, stage: 'done', initial, pending: [...this.rec.pending, metric] },
    });
    ctx.setPhase('training');
  }

  /** Rollouts and the update of iteration `it`; commits its step event (and its metrics unless an evaluation is due). */
  private async iteration(it: number): Promise<void> {
    const { ctx, s, engine, policy } = this.d;
    const t0 = performance.now();
    const epoch = this.epochOf(it);
    const specs: RolloutSpec[] = [];
    const groups: number[] = [];
    for (let b = 0; b < s.batchSize; b++) {
      const seed = 1_000_000 + s.seed * 100_003 + (it - 1) * s.batchSize + b;
      for (let g = 0; g < s.groupSize; g++) {
        specs.push({ traceId: `${ctx.job.id}.${it}.${b}.${g}`, seed });
        groups.push(b);
      }
    }
    const half = Math.ceil(specs.length / 2);
    const batched = { ...policy.batcher.stats };
    const results = await this.withProgress(`iteration ${it}`, it, specs, async (done) => {
      if (done === half) await ctx.hold('rollouts', it);
    });
    const rolloutSeconds = (performance.now() - t0) / 1000;
    // How well concurrent rollouts shared forward passes: sampling requests per device call.
    const sampleBatches = policy.batcher.stats.batches - batched.batches;
    const sampleBatchMean = sampleBatches ? (policy.batcher.stats.requests - batched.requests) / sampleBatches : 0;
    const rewards = results.map((r) => rolloutReward(r, s.reward));
    const adv = computeAdvantages(rewards, groups, s.scaleRewards);
    const turns = specs.map((spec) => policy.take(spec.traceId));
    this.d.record('train', it, trainEpisodes(specs, groups, s.groupSize, results, turns, rewards, adv.advantages));
    const sequences: TrainSequence[] = [];
    specs.forEach((_spec, i) => {
      if (s.skipZeroVarianceGroups && adv.zeroStdGroups.has(groups[i] as number)) return;
      for (const t of turns[i] ?? []) sequences.push({ prompt: t.prompt, completion: t.completion, sampled: t.sampled, oldLogp: t.logprobs, advantage: adv.advantages[i] as number });
    });
    const update = sequences.length === 0 ? undefined : await engine.train({
      sequences, temperature: s.temperature, maxActions: s.maxActions, innerSteps: s.innerSteps, epsilonLow: s.epsilonLow,
      epsilonHigh: s.epsilonHigh, beta: s.beta, lossType: s.lossType, maxGradNorm: s.maxGradNorm,
    });
    const stepSeconds = (performance.now() - t0) / 1000;
    const state = await this.saveState(it);
    await ctx.hold('update', it);
    ctx.setProgress(it, s.iterations, epoch);
    const lengths = results.map((r) => r.metrics.num_steps);
    const m = (name: string, value: number): NewMetric => ({ name, value, step: it, epoch, phase: 'train', data: { n: results.length } });
    // An iteration with no update (every group zero-variance) has no loss, KL, entropy, grad norm
    // or clip ratio, and with β = 0 the reference is never scored, so there is no KL: those points
    // are left out rather than reported as 0 (docs/trainer.md, metrics).
    const updateMetrics = update === undefined ? [] : [
      m('train.policy_loss', update.policyLoss), m('train.loss', update.loss), ...(s.beta > 0 ? [m('train.kl', update.kl)] : []),
      m('train.clip_ratio', update.clipLow + update.clipHigh), m('train.clip_ratio_low', update.clipLow),
      m('train.clip_ratio_high', update.clipHigh), m('train.entropy', update.entropy), m('train.grad_norm', update.gradNorm),
    ];
    const metrics = [
      ...this.rec.pending,
      m('train.reward_mean', mean(rewards)), m('train.reward_std', std(rewards)), m('train.frac_reward_zero_std', adv.fracZeroStd),
      ...updateMetrics,
      m('train.tokens', update?.tokens ?? 0), m('train.step_seconds', stepSeconds), m('train.rollouts_per_s', results.length / rolloutSeconds),
      m('train.episode_length_mean', mean(lengths)),
    ];
    const evalDue = this.evalDue(it);
    await this.commit({
      events: [{
        type: 'rl.train.step',
        message: `iteration ${it}/${s.iterations} reward_mean=${mean(rewards).toFixed(3)}${update ? ` loss=${update.loss.toFixed(4)}` : ' (no update: every group had equal rewards)'}`,
        data: {
          iteration: it, total_iterations: s.iterations, epoch, step: it, reward_mean: mean(rewards), reward_std: std(rewards),
          frac_reward_zero_std: adv.fracZeroStd, updated: update !== undefined, sequences: sequences.length, ...(update && {
            loss: update.loss, policy_loss: update.policyLoss, kl: update.kl, clip_ratio: update.clipLow + update.clipHigh, entropy: update.entropy, grad_norm: update.gradNorm,
            tokens: update.tokens, update_seconds: update.seconds, ratio_dev: update.firstStepRatioDev,
          }), rollout_seconds: rolloutSeconds, step_seconds: stepSeconds, rollouts_per_s: results.length / rolloutSeconds,
          sample_batches: sampleBatches, sample_batch_mean: sampleBatchMean,
        },
      }],
      ...(!evalDue && { metrics }),
      resume: {
        ...this.rec, iteration: it, state, pending: evalDue ? metrics : [],
        stage: evalDue ? 'updated' : this.checkpointDue(it) ? 'committed' : 'done',
      },
    });
    if (this.d.resumeDir !== undefined) pruneResumeStates(this.d.resumeDir, state);
  }

  /** Writes the weights after iteration `it` for a crash resume; null when this job keeps none. */
  private async saveState(it: number): Promise<string | null> {
    if (this.d.resumeDir === undefined) return null;
    const st = await this.d.engine.export();
    return writeResumeState(this.d.resumeDir, this.d.ctx.job.id, it, { ...st, ...(this.d.reference !== undefined && { reference: this.d.reference }) });
  }

  /** The evaluation of iteration `it`: commits the step's held metrics with the evaluation's. */
  private async evaluation(it: number): Promise<void> {
    const { ctx, s } = this.d;
    const epoch = this.epochOf(it);
    ctx.setPhase('evaluating');
    await ctx.emit('rl.eval.started', `evaluation at iteration ${it}`, { iteration: it, seeds: s.evalSeeds });
    const ev = await this.evaluate(it);
    const initial = this.rec.initial?.mean ?? 0;
    await this.commit({
      metrics: [
        ...this.rec.pending,
        { name: 'eval.reward_mean', value: ev.mean, step: it, epoch, phase: 'eval', data: { n: ev.n } },
        { name: 'eval.reward_std', value: ev.std, step: it, epoch, phase: 'eval', data: { n: ev.n } },
      ],
      events: [{
        type: 'rl.eval.summary', message: `eval at iteration ${it}: reward_mean=${ev.mean.toFixed(3)} (initial ${initial.toFixed(3)})`,
        data: { iteration: it, reward_mean: ev.mean, reward_std: ev.std, n: ev.n, initial_reward_mean: initial, achievement_rates: ev.achievements },
      }],
      resume: { ...this.rec, pending: [], stage: this.checkpointDue(it) ? 'committed' : 'done' },
    });
    ctx.setPhase('training');
  }

  /** The user-visible checkpoint of iteration `it` (artifact, model, event), recorded with the next resume record. */
  private async checkpoint(it: number): Promise<void> {
    const { ctx, s, engine, tok, described } = this.d;
    const epoch = this.epochOf(it);
    const state = await engine.export();
    // The end of an epoch gets the docs/wire-contract.md §7.1 name; checkpoints inside an epoch say their step.
    const name = it % s.iterationsPerEpoch === 0 || it === s.iterations ? checkpointLabel(epoch) : checkpointLabel(epoch, it);
    const dir = join(this.d.checkpointDir, ctx.job.id);
    const file = writeCheckpoint(dir, name, checkpointFiles({
      format: CHECKPOINT_FORMAT, job_id: ctx.job.id, base_model: ctx.job.model, simulated_model: described, epoch, iteration: it,
      model: this.d.model, adam_t: state.adamT, created_at: new Date().toISOString(),
    }, state, { bos: tok.bosId, eos: tok.endId, pad: tok.padId }, [...tok.actionIds, tok.endId], s.maxActions));
    const modelId = rlModelId(ctx.job.model, ctx.job.id, name);
    const next: GrpoResume = { ...this.rec, stage: 'done', last_model: modelId, last_checkpoint: name };
    const info = await ctx.checkpoint(name, epoch, it, file, next);
    this.rec = { ...next, last_model: info.modelId };
    pruneCheckpoints(dir, s.keepLastN);
    await ctx.hold('checkpoint', it);
  }

  private async finish(): Promise<void> {
    const { s, described } = this.d;
    await this.commit({
      events: [{ type: 'rl.train.completed', message: `training completed after ${s.iterations} iterations`, data: { iterations: s.iterations, simulated_model: described } }],
      resume: { ...this.rec, stage: 'finished' },
    });
  }
}

/** Fraction of rollouts that unlocked each achievement (from metrics.details.achievements). */
function achievementRates(results: readonly RolloutResponse[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const names = r.metrics.details.achievements;
    if (!Array.isArray(names)) continue;
    for (const a of names) if (typeof a === 'string') counts[a] = (counts[a] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / Math.max(1, results.length)]));
}
