// The GRPO trainer behind a simulated job: per iteration batch_size seeds × group_size rollouts
// through the task app over HTTP, group-relative advantages, a clipped policy-gradient update with
// optional KL to the initial model, metrics and events every step, evaluation on fixed seeds,
// checkpoints as artifacts (grpo-run.ts runs the stages). A small GPT stands in for the requested
// base model, and says so. After a simulator crash the job resumes from its last resume state.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { numParams } from '../model/config.ts';
import type { InferenceService } from '../inference/service.ts';
import type { PolicyTokenizer } from '../policy/tokenizer.ts';
import { TrainerFailure, type JobParams, type Trainer, type TrainerContext, type TrainerResult } from '../backend/trainer.ts';
import { WorkerEngine, type PolicyEngine } from './engine.ts';
import { GrpoJobRun } from './grpo-run.ts';
import { JobPolicy } from './job-policy.ts';
import { freshResume, GrpoResume, readResumeState, type ResumeState } from './resume-state.ts';
import { jobRecorder } from './rollout-record.ts';
import type { RolloutTarget } from './rollouts.ts';
import { grpoSettings, type DeviceDefaults, type GrpoSettings } from './settings.ts';

export interface GrpoTrainerOptions {
  inference: InferenceService;
  /** Trainer-side inference base URL (known once the server listens), e.g. http://127.0.0.1:8787/inference. */
  inferenceBaseUrl: () => string;
  checkpointDir: string;
  /** Jobs keep their crash-resume state in <resumeDir>/<job id>/resume/; undefined: jobs cannot resume. */
  resumeDir?: string;
  /** Per-job files (recorded rollouts) go under <jobsDir>/<job id>/; none when undefined. */
  jobsDir?: string;
  tokenizer: () => Promise<PolicyTokenizer>;
  engine?: () => PolicyEngine;
  /** Device and threads for jobs whose [sim] section does not choose. */
  device?: DeviceDefaults;
}

export function modelDescription(s: GrpoSettings, vocab: number): string {
  const n = numParams({ vocabSize: vocab, maxSeqLen: s.model.maxSeqLen, nLayer: s.model.nLayer, nHead: s.model.nHead, dModel: s.model.dModel });
  return `gpt2-tiny (L=${s.model.nLayer}, H=${s.model.nHead}, C=${s.model.dModel}, ${n.toLocaleString('en-US')} params)`;
}


export class GrpoTrainer implements Trainer {
  readonly name = 'grpo';
  constructor(private readonly opts: GrpoTrainerOptions) {}

  canResume(job: JobParams): boolean {
    return this.opts.resumeDir !== undefined && grpoSettings(job, this.opts.device).resume;
  }

  discard(jobId: string): void {
    const dir = this.resumeDirOf(jobId);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }

  private resumeDirOf(jobId: string): string | undefined {
    return this.opts.resumeDir === undefined ? undefined : join(this.opts.resumeDir, jobId, 'resume');
  }

  /** The resume record the job committed last (undefined: none); a TrainerFailure when it is unreadable. */
  private resumeRecord(ctx: TrainerContext): GrpoResume | undefined {
    if (!ctx.resumed || ctx.resumeFrom === undefined) return undefined;
    const parsed = GrpoResume.safeParse(ctx.resumeFrom);
    if (!parsed.success) throw new TrainerFailure(`cannot resume after the restart: the job's resume record is unreadable (${parsed.error.issues[0]?.message ?? 'invalid'})`);
    return parsed.data;
  }

  /** The weights, optimiser state and reference the record names; a TrainerFailure saying why when unusable. */
  private resumeState(rec: GrpoResume | undefined, dir: string | undefined, nParams: number): ResumeState | undefined {
    if (rec?.state === null || rec?.state === undefined || dir === undefined) return undefined;
    try {
      return readResumeState(dir, rec.state, nParams);
    } catch (e) {
      throw new TrainerFailure(`cannot resume after the restart: ${(e as Error).message}`);
    }
  }

  async run(ctx: TrainerContext): Promise<TrainerResult> {
    const { job } = ctx;
    const s = grpoSettings(job, this.opts.device);
    const resumeDir = this.resumeDirOf(job.id);
    const from = this.resumeRecord(ctx);
    // Announced before anything that could fail, so a failed resume still says what it tried.
    if (ctx.resumed) await this.announceResume(ctx, s, from, resumeDir);
    const envKey = ctx.envKey();
    if (!envKey) {
      throw new TrainerFailure('no ENVIRONMENT_API_KEY for this org: upload the task app\'s key with `synth-rl env-key` (the trainer sends it to the task app as X-API-Key)');
    }
    const tok = await this.opts.tokenizer();
    const modelCfg = { vocabSize: tok.vocabSize, ...s.model };
    const state = this.resumeState(from, resumeDir, numParams(modelCfg));
    const engine = (this.opts.engine ?? (() => new WorkerEngine()))();
    const policyId = `sim-policy:${job.id}`;
    const policy = new JobPolicy(policyId, engine, tok, {
      seed: s.seed, temperature: s.temperature, topP: s.topP, maxActions: s.maxActions, maxSeqLen: s.model.maxSeqLen, standsInFor: job.model,
    });
    this.opts.inference.register(policy, { replace: true });
    // Only the task app this job hands the URL to can reach its policy (README "Isolation"); a new
    // capability per run, so rollouts a crashed process left behind cannot reach a resumed job.
    const capability = this.opts.inference.grant(policyId);
    try {
      const { description: device } = await engine.init({
        device: s.device, threads: s.threads, ...(s.webgpuAdapter !== undefined && { webgpuAdapter: s.webgpuAdapter }),
        init: {
          model: modelCfg, seed: s.seed, optimizer: { lr: s.lr, weightDecay: s.weightDecay }, withReference: s.beta > 0,
          grammar: { vocabSize: tok.vocabSize, actionIds: Array.from(tok.actionIds), endId: tok.endId },
          // A resumed job continues bit-for-bit: weights, AdamW state and the KL reference of its resume checkpoint.
          ...(state !== undefined && { state, ...(state.reference !== undefined && { referenceParams: state.reference }) }),
        },
      });
      const described = modelDescription(s, tok.vocabSize);
      // The KL reference is the initial policy: kept to be saved with every resume state.
      const reference = s.beta <= 0 ? undefined : state === undefined ? (await engine.export()).params : state.reference;
      const target: RolloutTarget = {
        taskAppUrl: job.taskAppUrl, envKey, inferenceBaseUrl: `${this.opts.inferenceBaseUrl()}/c/${capability}`, policyModel: policyId, preset: s.preset,
        maxSteps: s.maxStepsPerEpisode, temperature: s.temperature, topP: s.topP, timeoutS: s.rolloutTimeoutS, signal: ctx.signal,
      };
      const rec = from ?? await this.begin(ctx, s, described, device);
      // A resumed job re-enters the phase of its next stage (an evaluation sets its own).
      if (from === undefined || rec.stage === 'done' || rec.stage === 'committed') ctx.setPhase('training');
      const record = jobRecorder(this.opts.jobsDir, job.id, s, tok, (message, data) => void ctx.emit('rl.rollouts.not_recorded', message, data, 'warning').catch(() => {}));
      return await new GrpoJobRun({
        ctx, s, engine, policy, tok, target, described, model: modelCfg, checkpointDir: this.opts.checkpointDir, resumeDir, reference, record,
      }, rec).run();
    } finally {
      this.opts.inference.revoke(capability);
      this.opts.inference.unregister(policyId);
      policy.clear();
      engine.close();
      // The job is over (succeeded, failed, cancelled, shut down): its resume state has no use left.
      if (resumeDir !== undefined) rmSync(resumeDir, { recursive: true, force: true });
    }
  }

  /** A fresh start: `rl.train.started`, committed with the first resume record. */
  private async begin(ctx: TrainerContext, s: GrpoSettings, described: string, device: string): Promise<GrpoResume> {
    const { job } = ctx;
    const rec = freshResume();
    await ctx.commit({
      events: [{
        type: 'rl.train.started', message: `training started: simulated policy ${described} standing in for ${job.model}`,
        data: {
          simulated: true, trainer: 'grpo', stands_in_for: job.model, simulated_model: described, model: job.model,
          epochs: job.epochs, iters_per_epoch: s.iterationsPerEpoch, total_iterations: s.iterations, batch_size: s.batchSize,
          group_size: s.groupSize, preset: s.preset, max_steps_per_episode: s.maxStepsPerEpisode, learning_rate: s.lr,
          ...(s.requestedLr !== undefined && { requested_learning_rate: s.requestedLr, learning_rate_note: '[training].learning_rate is for the real base model; the small stand-in uses [sim] learning_rate' }),
          beta: s.beta, epsilon_low: s.epsilonLow, epsilon_high: s.epsilonHigh, scale_rewards: s.scaleRewards, loss_type: s.lossType,
          num_inner_steps: s.innerSteps, reward: s.reward, task_app: job.taskAppUrl, device, threads: s.threads, resume: s.resume,
        },
      }],
      resume: rec,
    });
    return rec;
  }

  /** `rl.job.resumed`: which resume checkpoint the job continues from and what it redoes. */
  private async announceResume(ctx: TrainerContext, s: GrpoSettings, rec: GrpoResume | undefined, dir: string | undefined): Promise<void> {
    if (rec === undefined) {
      await ctx.emit('rl.job.resumed', 'resumed after a simulator restart: nothing was committed before it, so training starts from the beginning', {
        checkpoint: null, checkpoint_path: null, iteration: 0, stage: null, redone_iterations: [], redo: 'everything', last_checkpoint: null,
      });
      return;
    }
    const next = rec.iteration + 1;
    const redo = {
      started: { what: 'the initial evaluation (iteration 0)', iterations: [] as number[] },
      updated: { what: `the evaluation of iteration ${rec.iteration}`, iterations: [] as number[] },
      committed: { what: `the checkpoint of iteration ${rec.iteration}`, iterations: [] as number[] },
      done: rec.iteration >= s.iterations
        ? { what: 'nothing (training had ended)', iterations: [] as number[] }
        : { what: `iteration ${next} (its rollouts and update were not committed)`, iterations: [next] },
      finished: { what: 'nothing (training had ended)', iterations: [] as number[] },
    }[rec.stage];
    const from = rec.state === null ? 'the initial weights' : `the resume checkpoint of iteration ${rec.iteration} (${rec.state})`;
    if (rec.iteration > 0) ctx.setProgress(rec.iteration, s.iterations, Math.ceil(rec.iteration / s.iterationsPerEpoch));
    await ctx.emit('rl.job.resumed', `resumed after a simulator restart from ${from}; redoing ${redo.what}`, {
      checkpoint: rec.state, checkpoint_path: rec.state === null || dir === undefined ? null : join(dir, rec.state), iteration: rec.iteration,
      stage: rec.stage, redone_iterations: redo.iterations, redo: redo.what, last_checkpoint: rec.last_checkpoint,
    });
  }
}
