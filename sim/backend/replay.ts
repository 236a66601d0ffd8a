// The replay trainer: plays a scripted event/metric stream (fixtures/replay) through the same
// runner as the real trainer, so client flows are testable without training anything. Every event
// says "[replay]" and carries data.simulated = "replay": it must never pass for a learning result.
import { z } from 'zod';
import { checkpointLabel } from '../../src/api/models.ts';
import scriptJson from '../../fixtures/replay/crafter-grpo.json';
import { TrainerFailure, type Trainer, type TrainerContext, type TrainerResult } from './trainer.ts';

const Iteration = z.object({
  reward_mean: z.number(), reward_std: z.number(), frac_reward_zero_std: z.number(), policy_loss: z.number(),
  kl: z.number(), clip_ratio: z.number(), entropy: z.number(), grad_norm: z.number(), tokens: z.number(),
  eval_reward_mean: z.number(),
});
const Script = z.object({ name: z.string(), description: z.string(), model: z.string(), step_seconds: z.number(), iterations: z.array(Iteration).min(1) });
export type ReplayScript = z.infer<typeof Script>;

export const DEFAULT_SCRIPT: ReplayScript = Script.parse(scriptJson);

const TAG = { simulated: 'replay' } as const;

export class ReplayTrainer implements Trainer {
  readonly name = 'replay';
  constructor(private readonly script: ReplayScript = DEFAULT_SCRIPT) {}

  async run(ctx: TrainerContext): Promise<TrainerResult> {
    const { job } = ctx;
    const replay = job.config.sim?.replay ?? {};
    const total = replay.iterations ?? job.epochs * job.iterationsPerEpoch;
    const stepMs = (replay.step_seconds ?? this.script.step_seconds) * 1000;
    const perEpoch = Math.max(1, Math.ceil(total / job.epochs));
    await ctx.emit('rl.train.started', `[replay] training started: replaying "${this.script.name}" (${total} iterations; no model is trained)`, {
      ...TAG, model: job.model, epochs: job.epochs, iters_per_epoch: perEpoch, batch_size: job.batchSize,
      group_size: job.groupSize, total_iterations: total, script: this.script.name,
    });
    ctx.setPhase('training');
    let lastCheckpoint: string | undefined;
    for (let it = 1; it <= total; it++) {
      await ctx.sleep(stepMs);
      if (replay.scenario === 'failure' && it === (replay.fail_at_iteration ?? 1)) {
        throw new TrainerFailure(`[replay] scripted failure at iteration ${it}: task app answered 401 to POST /rollout (wrong ENVIRONMENT_API_KEY)`, { ...TAG, iteration: it });
      }
      const rec = this.script.iterations[(it - 1) % this.script.iterations.length] as z.infer<typeof Iteration>;
      const epoch = Math.min(job.epochs, Math.ceil(it / perEpoch));
      ctx.setProgress(it, total, epoch);
      const evalDue = job.evalEvery > 0 && (it % job.evalEvery === 0 || it === total);
      // Every metric of a step in one commit (the eval value is scripted, known up front).
      ctx.metrics([
        { name: 'train.reward_mean', value: rec.reward_mean, step: it, epoch, data: TAG },
        { name: 'train.reward_std', value: rec.reward_std, step: it, epoch, data: TAG },
        { name: 'train.frac_reward_zero_std', value: rec.frac_reward_zero_std, step: it, epoch, data: TAG },
        { name: 'train.policy_loss', value: rec.policy_loss, step: it, epoch, data: TAG },
        { name: 'train.loss', value: rec.policy_loss + 0.01 * rec.kl, step: it, epoch, data: TAG },
        { name: 'train.kl', value: rec.kl, step: it, epoch, data: TAG },
        { name: 'train.clip_ratio', value: rec.clip_ratio, step: it, epoch, data: TAG },
        { name: 'train.entropy', value: rec.entropy, step: it, epoch, data: TAG },
        { name: 'train.grad_norm', value: rec.grad_norm, step: it, epoch, data: TAG },
        ...(evalDue ? [{ name: 'eval.reward_mean', value: rec.eval_reward_mean, step: it, epoch, phase: 'eval', data: TAG }] : []),
      ]);
      await ctx.emit('rl.train.step', `[replay] iteration ${it}/${total} reward_mean=${rec.reward_mean.toFixed(3)}`, {
        ...TAG, iteration: it, total_iterations: total, epoch, step: it, reward_mean: rec.reward_mean,
        reward_std: rec.reward_std, loss: rec.policy_loss, kl: rec.kl, tokens: rec.tokens,
      });
      if (evalDue) {
        ctx.setPhase('evaluating');
        await ctx.emit('rl.eval.started', `[replay] evaluation at iteration ${it}`, { ...TAG, iteration: it });
        await ctx.emit('rl.eval.summary', `[replay] eval reward_mean=${rec.eval_reward_mean.toFixed(3)}`, {
          ...TAG, iteration: it, reward_mean: rec.eval_reward_mean,
        });
        ctx.setPhase('training');
      }
      const epochEnds = it % perEpoch === 0 || it === total;
      if (epochEnds) lastCheckpoint = (await ctx.checkpoint(checkpointLabel(epoch), epoch, it)).modelId;
    }
    await ctx.emit('rl.train.completed', `[replay] training completed after ${total} iterations`, { ...TAG, iterations: total });
    return lastCheckpoint === undefined ? {} : { fineTunedModel: lastCheckpoint };
  }
}
