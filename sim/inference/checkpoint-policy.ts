// Serves RL'd checkpoints (rl:<slug>:<job>:checkpoint-epoch-N) through the same ONNX path as
// `synth-rl infer --weights`: the tarball is loaded with transformers.js on first use and cached.
import type { ChatCompletionRequest, ChatCompletionResponse } from '../../src/api/chat.ts';
import { existsSync } from 'node:fs';
import { parseRlModelId } from '../../src/api/models.ts';
import { CheckpointRunner, openCheckpoint } from '../../src/runtime/checkpoint.ts';
import type { Store } from '../backend/store.ts';
import { policyCompletion } from './policies/completion.ts';
import { InferenceError, type InferenceContext, type ModelResolver, type PolicyModel } from './service.ts';

export class CheckpointPolicy implements PolicyModel {
  readonly description: string;
  constructor(readonly id: string, private readonly runner: Pick<CheckpointRunner, 'chat'>, info: { simulated_model?: string; base_model?: string }) {
    this.description = `RL checkpoint (${info.simulated_model ?? 'simulated model'} standing in for ${info.base_model ?? 'the base model'})`;
  }

  async complete(req: ChatCompletionRequest): Promise<ChatCompletionResponse> {
    const reply = await this.runner.chat(req.messages, { ...(req.temperature !== undefined && { temperature: req.temperature }) });
    const reasoning = reply.actions.length
      ? `chosen by ${this.id} (greedy unless a temperature is given)`
      : `${this.id} ended its answer without choosing an action`;
    return policyCompletion(req, { actions: reply.actions, reasoning, tokenCounts: { prompt: reply.promptTokens, completion: reply.tokens.length } });
  }
}

export interface CheckpointResolver {
  resolve: ModelResolver;
  /** Releases every loaded checkpoint (ONNX sessions, extracted folders). */
  close(): Promise<void>;
}

/**
 * Resolves rl: ids the caller's org owns to their checkpoint on disk, once the job has finished
 * or the model was promoted (as the real service serves them, docs/wire-contract.md §7.5).
 */
export function checkpointResolver(store: Store): CheckpointResolver {
  const cache = new Map<string, Promise<{ policy: CheckpointPolicy; release: () => Promise<void> }>>();
  const resolve: ModelResolver = async (id, ctx) => {
    const rl = parseRlModelId(id);
    if (rl === undefined || ctx.org === undefined) return undefined;
    const job = store.getJob(rl.jobId);
    if (job === undefined || job.org !== ctx.org) return undefined;
    const promoted = store.getRegistry(ctx.org, id) !== undefined;
    if (job.status !== 'succeeded' && !promoted) {
      throw new InferenceError(404, `model ${JSON.stringify(id)} is not served yet: job ${rl.jobId} is ${job.status}; promote it or wait for the job to succeed`);
    }
    const label = rl.checkpoint ?? 'checkpoint-epoch-1';
    const artifact = store.listArtifacts(rl.jobId).find((a) => a.label === label);
    if (artifact === undefined) return undefined;
    if (artifact.local_path === null) {
      throw new InferenceError(404, `model ${JSON.stringify(id)} has no weights: job ${rl.jobId} ran the replay trainer, which trains nothing`);
    }
    const path = artifact.local_path;
    if (!existsSync(path)) throw new InferenceError(404, `model ${JSON.stringify(id)} is gone: its checkpoint was pruned ([checkpoint] keep_last_n)`);
    let loading = cache.get(path);
    if (loading === undefined) {
      loading = (async () => {
        const opened = await openCheckpoint(path);
        try {
          const runner = await CheckpointRunner.load(opened.dir);
          return { policy: new CheckpointPolicy(id, runner, opened.info), release: async () => { await runner.dispose(); opened.close(); } };
        } catch (error) {
          opened.close();
          throw error;
        }
      })();
      cache.set(path, loading);
      loading.catch(() => cache.delete(path));
    }
    return (await loading).policy;
  };
  return {
    resolve,
    async close() {
      const all = [...cache.values()];
      cache.clear();
      for (const r of await Promise.allSettled(all)) if (r.status === 'fulfilled') await r.value.release().catch(() => {});
    },
  };
}
