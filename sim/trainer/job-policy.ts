// A running job's policy as an inference-service model: the task app's chat completions for a
// rollout arrive here (trace id in the URL), are answered by the trainer's Worker (requests arriving together sampled as one batch), and every
// generation is recorded under its trace id so the trainer can join it with the rollout's reward.
import type { ChatCompletionRequest, ChatCompletionResponse } from '../../src/api/chat.ts';
import { mix32, combineSeeds } from '../crafter/rng.ts';
import type { InferenceContext, PolicyModel } from '../inference/service.ts';
import { policyCompletion } from '../inference/policies/completion.ts';
import { fitPrompt } from '../policy/generate.ts';
import { messageText, promptText } from '../../src/policy/template.ts';
import type { PolicyTokenizer } from '../policy/tokenizer.ts';
import { SampleBatcher } from './batcher.ts';
import type { PolicyEngine } from './engine.ts';

export interface Turn {
  prompt: number[];
  completion: number[];
  logprobs: number[];
  sampled: boolean[];
  /** The last user message (the observation text), kept for recorded rollouts. */
  observation?: string;
}

function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The part of a trace id that names the rollout and not the job: the trainer's traces are
 * `<job id>.<iteration>.<group>.<member>` (or `.eval<it>.<seed>.<r>`), and a job id is new on every
 * run, so keying samples on it would make the same seed and config give different runs.
 */
export function rolloutKey(trace: string): string {
  return trace.startsWith('job_') && trace.includes('.') ? trace.slice(trace.indexOf('.') + 1) : trace;
}

export class JobPolicy implements PolicyModel {
  readonly description: string;
  private readonly records = new Map<string, Turn[]>();
  /** Concurrent rollouts' requests share forward passes on the trainer's device. */
  readonly batcher: SampleBatcher;

  constructor(
    readonly id: string,
    engine: PolicyEngine,
    private readonly tok: PolicyTokenizer,
    private readonly opts: { seed: number; temperature: number; topP: number; maxActions: number; maxSeqLen: number; standsInFor: string },
  ) {
    this.description = `simulated GRPO policy standing in for ${opts.standsInFor}`;
    this.batcher = new SampleBatcher((reqs) => engine.sample(reqs));
  }

  /** The generations recorded for a trace, in order; removes them. */
  take(traceId: string): Turn[] {
    const turns = this.records.get(traceId) ?? [];
    this.records.delete(traceId);
    return turns;
  }

  clear(): void {
    this.records.clear();
  }

  async complete(req: ChatCompletionRequest, ctx: InferenceContext): Promise<ChatCompletionResponse> {
    const prompt = fitPrompt(this.tok.encode(promptText(req.messages)), this.opts.maxSeqLen, this.opts.maxActions);
    const trace = ctx.traceId ?? '';
    const turns = this.records.get(trace) ?? [];
    // The sample depends only on (job seed, rollout, turn): never on the order requests arrive
    // in, nor on the job's id.
    const seed = combineSeeds(mix32(this.opts.seed), combineSeeds(hashText(rolloutKey(trace)), turns.length));
    // Sampled at the trainer's temperature whatever the request says, so the recorded
    // log-probabilities are those the update scores (see docs: chat template).
    const g = await this.batcher.sample({ prompt, seed, temperature: this.opts.temperature, topP: this.opts.topP, maxActions: this.opts.maxActions });
    if (trace !== '') {
      const user = [...req.messages].reverse().find((m) => m.role === 'user');
      turns.push({ prompt, completion: g.completion, logprobs: g.logprobs, sampled: g.sampled, observation: user === undefined ? '' : messageText(user) });
      this.records.set(trace, turns);
    }
    const actions: string[] = [];
    const logprobs: number[] = [];
    g.completion.forEach((id, k) => {
      const name = this.tok.actionName(id);
      if (name === undefined) return;
      actions.push(name);
      logprobs.push(g.logprobs[k] as number);
    });
    return policyCompletion(req, {
      actions, reasoning: `sampled by ${this.id} (${this.description})`, logprobs,
      tokenCounts: { prompt: prompt.length, completion: g.completion.length },
    });
  }
}
