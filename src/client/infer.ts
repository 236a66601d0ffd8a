// Inference with an RL-trained checkpoint (docs/wire-contract.md §7.3, without its bugs): find the weights,
// promote, ensure, then chat through the backend; or run a local tarball offline.
import type { SynthClient } from './api-client.ts';
import { parseRlModelId } from '../api/models.ts';
import { interactTool } from '../api/taskapp.ts';

/** The `interact` tool the Crafter policies answer with (docs/wire-contract.md §4.6). */
export const INTERACT_TOOL = interactTool();

export interface WeightsResolution {
  weightsPath: string | undefined;
  /** Where it came from: flag, artifacts, models, registry, synthesized. */
  source: string;
}

const S3 = /s3:\/\/[^/\s"]+\/([^\s"]+)/;

/** The storage key of an rl: model's weights: explicit, artifacts, models list, registry, synthesized. */
export async function resolveWeights(client: SynthClient, modelId: string, explicit?: string): Promise<WeightsResolution> {
  if (explicit) return { weightsPath: explicit, source: 'flag/env' };
  const rl = parseRlModelId(modelId);
  if (rl === undefined) return { weightsPath: undefined, source: 'none' };
  const ckpt = rl.checkpoint ?? 'checkpoint-epoch-1';
  const artifacts = await client.listArtifacts(rl.jobId).catch(() => []);
  // Only the checkpoint asked for: any other model artifact would promote the wrong weights.
  const byLabel = artifacts.find((a) => a.label === ckpt);
  const key = byLabel?.raw.key ?? byLabel?.raw.storage_path ?? (byLabel?.uri ? S3.exec(byLabel.uri)?.[1] : undefined);
  if (typeof key === 'string') return { weightsPath: key, source: 'artifacts' };
  const models = await client.listRlModels().catch(() => []);
  const row = models.find((m) => m.id === modelId) ?? models.find((m) => m.job_id === rl.jobId);
  if (typeof row?.storage_path === 'string') return { weightsPath: row.storage_path, source: 'models' };
  const registry = await client.listRegistry().catch(() => []);
  const reg = registry.find((m) => m.id === modelId);
  const w = reg?.weights_path ?? reg?.weights;
  if (typeof w === 'string') return { weightsPath: w, source: 'registry' };
  return { weightsPath: `models/${rl.slug}/rl-${rl.jobId}/${ckpt}.tar.gz`, source: 'synthesized' };
}

/** `Qwen-Qwen3-0.6B` → `Qwen/Qwen3-0.6B` (only for Qwen3 slugs, as the reference does). */
export function baseModelHint(modelId: string): string | undefined {
  const slug = parseRlModelId(modelId)?.slug;
  if (slug === undefined || !slug.startsWith('Qwen-Qwen3-') || !slug.endsWith('B')) return undefined;
  return `Qwen/${slug.slice('Qwen-'.length)}`;
}

export interface ToolCallOut {
  name: string;
  arguments: string;
}

export interface ChatAnswer {
  content: string | null;
  toolCalls: ToolCallOut[];
  raw: unknown;
}

export function readAnswer(body: unknown): ChatAnswer {
  const choice = (body as { choices?: { message?: { content?: unknown; tool_calls?: unknown } }[] } | null)?.choices?.[0];
  const msg = choice?.message;
  const calls = Array.isArray(msg?.tool_calls) ? msg.tool_calls : [];
  return {
    content: typeof msg?.content === 'string' ? msg.content : null,
    toolCalls: calls.map((c: { function?: { name?: unknown; arguments?: unknown } }) => ({
      name: String(c.function?.name ?? ''), arguments: typeof c.function?.arguments === 'string' ? c.function.arguments : JSON.stringify(c.function?.arguments ?? {}),
    })),
    raw: body,
  };
}
