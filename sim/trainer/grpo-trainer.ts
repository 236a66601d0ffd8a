// The GRPO trainer behind a simulated job: per iteration batch_size seeds × group_size rollouts
// through the task app over HTTP, group-relative advantages, a clipped policy-gradient update with
// optional KL to the initial model, metrics and events every step, evaluation on fixed seeds,
// checkpoints as artifacts. A small GPT stands in for the requested base model, and says so.
import { join } from 'node:path';
import { checkpointLabel } from '../../src/api/models.ts';
import type { RolloutResponse } from '../../src/api/taskapp.ts';
import { numParams } from '../model/config.ts';
import type { InferenceService } from '../inference/service.ts';
import type { PolicyTokenizer } from '../policy/tokenizer.ts';
import { TrainerFailure, type Trainer, type TrainerContext, type TrainerResult } from '../backend/trainer.ts';
import { CHECKPOINT_FORMAT, checkpointFiles, pruneCheckpoints, writeCheckpoint } from './checkpoint.ts';
import { WorkerEngine, type PolicyEngine } from './engine.ts';
import { computeAdvantages, std } from './grpo.ts';
import { JobPolicy } from './job-policy.ts';
import type { TrainSequence } from './protocol.ts';
import { evalEpisodes, jobRecorder, trainEpisodes } from './rollout-record.ts';
import { rolloutReward, runRollouts, type RolloutSpec, type RolloutTarget } from './rollouts.ts';
import { grpoSettings, type DeviceDefaults, type GrpoSettings } from './settings.ts';

export interface GrpoTrainerOptions {
  inference: InferenceService;
  /** Trainer-side inference base URL (known once the server listens), e.g. http://127.0.0.1:8787/inference. */
  inferenceBaseUrl: () => string;
  checkpointDir: string;
  /** Per-job files (recorded rollouts) go under <jobsDir>/<job id>/; none when undefined. */
  jobsDir?: string;
  tokenizer: () => Promise<PolicyTokenizer>;
  engine?: () => PolicyEngine;
  /** Device and threads for jobs whose [sim] section does not choose. */
  device?: DeviceDefaults;
}

const PROGRESS_EVERY_MS = 3000;
const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

export function modelDescription(s: GrpoSettings, vocab: number): string {
  const n = numParams({ vocabSize: vocab, maxSeqLen: s.model.maxSeqLen, nLayer: s.model.nLayer, nHead: s.model.nHead, dModel: s.model.dModel });
  return `gpt2-tiny (L=${s.model.nLayer}, H=${s.model.nHead}, C=${s.model.dModel}, ${n.toLocaleString('en-US')} params)`;
}

export class GrpoTrainer implements Trainer {
  readonly name = 'grpo';
  constructor(private readonly opts: GrpoTrainerOptions) {}

  async run(ctx: TrainerContext): Promise<TrainerResult> {
    const { job } = ctx;
    const s = grpoSettings(job, this.opts.device);
    const envKey = ctx.envKey();
    if (!envKey) {
      throw new TrainerFailure('no ENVIRONMENT_API_KEY for this org: upload the task app\'s key with `synth-rl env-key` (the trainer sends it to the task app as X-API-Key)');
    }
    const tok = await this.opts.tokenizer();
    const modelCfg = { vocabSize: tok.vocabSize, ...s.model };
    const engine = (this.opts.engine ?? (() => new WorkerEngine()))();
    const policyId = `sim-policy:${job.id}`;
    const policy = new JobPolicy(policyId, engine, tok, {
      seed: s.seed, temperature: s.temperature, topP: s.topP, maxActions: s.maxActions, maxSeqLen: s.model.maxSeqLen, standsInFor: job.model,
    });
    this.opts.inference.register(policy, { replace: true });
    // Only the task app this job hands the URL to can reach its policy (README "Isolation").
    const capability = this.opts.inference.grant(policyId);
    try {
      const { description: device } = await engine.init({
        device: s.device, threads: s.threads,
        init: {
          model: modelCfg, seed: s.seed, optimizer: { lr: s.lr, weightDecay: s.weightDecay }, withReference: s.beta > 0,
          grammar: { vocabSize: tok.vocabSize, actionIds: Array.from(tok.actionIds), endId: tok.endId },
        },
      });
      const described = modelDescription(s, tok.vocabSize);
      await ctx.emit('rl.train.started', `training started: simulated policy ${described} standing in for ${job.model}`, {
        simulated: true, trainer: 'grpo', stands_in_for: job.model, simulated_model: described, model: job.model,
        epochs: job.epochs, iters_per_epoch: s.iterationsPerEpoch, total_iterations: s.iterations, batch_size: s.batchSize,
        group_size: s.groupSize, preset: s.preset, max_steps_per_episode: s.maxStepsPerEpisode, learning_rate: s.lr,
        ...(s.requestedLr !== undefined && { requested_learning_rate: s.requestedLr, learning_rate_note: '[training].learning_rate is for the real base model; the small stand-in uses [sim] learning_rate' }),
        beta: s.beta, epsilon_low: s.epsilonLow, epsilon_high: s.epsilonHigh, scale_rewards: s.scaleRewards, loss_type: s.lossType,
        num_inner_steps: s.innerSteps, reward: s.reward, task_app: job.taskAppUrl, device, threads: s.threads,
      });
      ctx.setPhase('training');
      const record = jobRecorder(this.opts.jobsDir, job.id, s, tok, (message, data) => void ctx.emit('rl.rollouts.not_recorded', message, data, 'warning').catch(() => {}));
      const target: RolloutTarget = {
        taskAppUrl: job.taskAppUrl, envKey, inferenceBaseUrl: `${this.opts.inferenceBaseUrl()}/c/${capability}`, policyModel: policyId, preset: s.preset,
        maxSteps: s.maxStepsPerEpisode, temperature: s.temperature, topP: s.topP, timeoutS: s.rolloutTimeoutS, signal: ctx.signal,
      };
      // Rollout phases can take a while: keep the event cadence at a few seconds (contract §9.1),
      // so pollers never mistake a busy job for a stalled one, and live displays show progress.
      const withProgress = async (label: string, iteration: number, specs: RolloutSpec[]) => {
        let done = 0;
        const timer = setInterval(() => {
          void ctx.emit('rl.train.rollouts', `${label}: ${done}/${specs.length} rollouts done`, { iteration, done, total: specs.length }).catch(() => {});
        }, PROGRESS_EVERY_MS);
        try {
          return await runRollouts(specs, target, s.concurrency, () => void done++);
        } finally {
          clearInterval(timer);
        }
      };
      const evaluate = async (iteration: number) => {
        const specs: RolloutSpec[] = s.evalSeeds.flatMap((seed) => Array.from({ length: s.evalRolloutsPerSeed }, (_, r) => ({ traceId: `${job.id}.eval${iteration}.${seed}.${r}`, seed })));
        const results = await withProgress(`evaluation at iteration ${iteration}`, iteration, specs);
        const turns = specs.map((spec) => policy.take(spec.traceId));
        const rewards = results.map((r) => rolloutReward(r, s.reward));
        record('eval', iteration, evalEpisodes(specs, s.evalRolloutsPerSeed, results, turns, rewards));
        return { mean: mean(rewards), std: std(rewards), n: rewards.length, achievements: achievementRates(results) };
      };

      ctx.setPhase('evaluating');
      await ctx.emit('rl.eval.started', 'evaluation of the initial policy (iteration 0)', { iteration: 0, seeds: s.evalSeeds });
      const initial = await evaluate(0);
      ctx.metrics([{ name: 'eval.reward_mean_initial', value: initial.mean, step: 1, epoch: 1, phase: 'eval', data: { iteration: 0, n: initial.n } }]);
      await ctx.emit('rl.eval.summary', `eval at iteration 0: reward_mean=${initial.mean.toFixed(3)}`, { iteration: 0, reward_mean: initial.mean, reward_std: initial.std, n: initial.n, achievement_rates: initial.achievements });
      ctx.setPhase('training');

      let lastModel: string | undefined;
      const ckptDir = join(this.opts.checkpointDir, job.id);
      for (let it = 1; it <= s.iterations; it++) {
        const t0 = performance.now();
        const epoch = Math.ceil(it / s.iterationsPerEpoch);
        const specs: RolloutSpec[] = [];
        const groups: number[] = [];
        for (let b = 0; b < s.batchSize; b++) {
          const seed = 1_000_000 + s.seed * 100_003 + (it - 1) * s.batchSize + b;
          for (let g = 0; g < s.groupSize; g++) {
            specs.push({ traceId: `${job.id}.${it}.${b}.${g}`, seed });
            groups.push(b);
          }
        }
        const batched = { ...policy.batcher.stats };
        const results = await withProgress(`iteration ${it}`, it, specs);
        const rolloutSeconds = (performance.now() - t0) / 1000;
        // How well concurrent rollouts shared forward passes: sampling requests per device call.
        const sampleBatches = policy.batcher.stats.batches - batched.batches;
        const sampleBatchMean = sampleBatches ? (policy.batcher.stats.requests - batched.requests) / sampleBatches : 0;
        const rewards = results.map((r) => rolloutReward(r, s.reward));
        const adv = computeAdvantages(rewards, groups, s.scaleRewards);
        const turns = specs.map((spec) => policy.take(spec.traceId));
        record('train', it, trainEpisodes(specs, groups, s.groupSize, results, turns, rewards, adv.advantages));
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
        ctx.setProgress(it, s.iterations, epoch);
        const lengths = results.map((r) => r.metrics.num_steps);
        const m = (name: string, value: number) => ({ name, value, step: it, epoch, phase: 'train', data: { n: results.length } });
        ctx.metrics([
          m('train.reward_mean', mean(rewards)), m('train.reward_std', std(rewards)), m('train.frac_reward_zero_std', adv.fracZeroStd),
          m('train.policy_loss', update?.loss ?? 0), m('train.loss', update?.loss ?? 0), m('train.kl', update?.kl ?? 0),
          m('train.clip_ratio', (update?.clipLow ?? 0) + (update?.clipHigh ?? 0)), m('train.clip_ratio_low', update?.clipLow ?? 0),
          m('train.clip_ratio_high', update?.clipHigh ?? 0), m('train.entropy', update?.entropy ?? 0), m('train.grad_norm', update?.gradNorm ?? 0),
          m('train.tokens', update?.tokens ?? 0), m('train.step_seconds', stepSeconds), m('train.rollouts_per_s', results.length / rolloutSeconds),
          m('train.episode_length_mean', mean(lengths)),
        ]);
        await ctx.emit('rl.train.step', `iteration ${it}/${s.iterations} reward_mean=${mean(rewards).toFixed(3)}${update ? ` loss=${update.loss.toFixed(4)}` : ' (no update: every group had equal rewards)'}`, {
          iteration: it, total_iterations: s.iterations, epoch, step: it, reward_mean: mean(rewards), reward_std: std(rewards),
          frac_reward_zero_std: adv.fracZeroStd, updated: update !== undefined, sequences: sequences.length, ...(update && {
            loss: update.loss, kl: update.kl, clip_ratio: update.clipLow + update.clipHigh, entropy: update.entropy, grad_norm: update.gradNorm,
            tokens: update.tokens, update_seconds: update.seconds, ratio_dev: update.firstStepRatioDev,
          }), rollout_seconds: rolloutSeconds, step_seconds: stepSeconds, rollouts_per_s: results.length / rolloutSeconds,
          sample_batches: sampleBatches, sample_batch_mean: sampleBatchMean,
        });
        if (s.evalEvery > 0 && (it % s.evalEvery === 0 || it === s.iterations)) {
          ctx.setPhase('evaluating');
          await ctx.emit('rl.eval.started', `evaluation at iteration ${it}`, { iteration: it, seeds: s.evalSeeds });
          const ev = await evaluate(it);
          ctx.metrics([
            { name: 'eval.reward_mean', value: ev.mean, step: it, epoch, phase: 'eval', data: { n: ev.n } },
            { name: 'eval.reward_std', value: ev.std, step: it, epoch, phase: 'eval', data: { n: ev.n } },
          ]);
          await ctx.emit('rl.eval.summary', `eval at iteration ${it}: reward_mean=${ev.mean.toFixed(3)} (initial ${initial.mean.toFixed(3)})`, {
            iteration: it, reward_mean: ev.mean, reward_std: ev.std, n: ev.n, initial_reward_mean: initial.mean, achievement_rates: ev.achievements,
          });
          ctx.setPhase('training');
        }
        if (s.checkpointsEnabled && (it % s.checkpointInterval === 0 || it === s.iterations)) {
          const state = await engine.export();
          // The end of an epoch gets the §7.1 name; checkpoints inside an epoch say their step.
          const name = it % s.iterationsPerEpoch === 0 || it === s.iterations ? checkpointLabel(epoch) : checkpointLabel(epoch, it);
          const file = writeCheckpoint(ckptDir, name, checkpointFiles({
            format: CHECKPOINT_FORMAT, job_id: job.id, base_model: job.model, simulated_model: described, epoch, iteration: it,
            model: modelCfg, adam_t: state.adamT, created_at: new Date().toISOString(),
          }, state, { bos: tok.bosId, eos: tok.endId, pad: tok.padId }, [...tok.actionIds, tok.endId], s.maxActions));
          pruneCheckpoints(ckptDir, s.keepLastN);
          lastModel = (await ctx.checkpoint(name, epoch, it, file)).modelId;
        }
      }
      await ctx.emit('rl.train.completed', `training completed after ${s.iterations} iterations`, { iterations: s.iterations, simulated_model: described });
      return lastModel === undefined ? {} : { fineTunedModel: lastModel };
    } finally {
      this.opts.inference.revoke(capability);
      this.opts.inference.unregister(policyId);
      policy.clear();
      engine.close();
    }
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
