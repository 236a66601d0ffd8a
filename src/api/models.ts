// Checkpoints, models and the registry (docs/wire-contract.md §2.3 "Artifacts, models", §7).
import { z } from 'zod';

export const Artifact = z.looseObject({
  id: z.string(),
  label: z.string(),
  role: z.string(),
  content_type: z.string(),
  s3_uri: z.string(),
  uri: z.string(),
  bucket: z.string(),
  key: z.string(),
  storage_path: z.string(),
  size_bytes: z.number().int().nullable(),
  created_at: z.string(),
  job_id: z.string(),
});
export type Artifact = z.infer<typeof Artifact>;
export const ArtifactsResponse = z.looseObject({ artifacts: z.array(Artifact) });

export const RlModel = z.looseObject({
  id: z.string(),
  job_id: z.string(),
  base_model: z.string(),
  storage_path: z.string(),
  status: z.string(),
  created_at: z.string(),
});
export const RlModelsResponse = z.looseObject({ models: z.array(RlModel) });

export const RegistryRow = z.looseObject({
  id: z.string(),
  job_id: z.string(),
  base_model: z.string(),
  weights_path: z.string(),
  tokenizer_path: z.string().nullable(),
  dtype: z.string(),
  promoted_at: z.string(),
});
export type RegistryRow = z.infer<typeof RegistryRow>;
export const RegistryResponse = z.looseObject({ models: z.array(RegistryRow) });

export const PromoteBody = z.looseObject({
  model_id: z.string().min(1),
  base_model: z.string().optional(),
  job_id: z.string().optional(),
  weights_path: z.string().optional(),
  tokenizer_path: z.string().nullish(),
  dtype: z.string().optional(),
  create_latest_alias: z.boolean().optional(),
});

export const EnsureBody = z.looseObject({
  model_id: z.string().min(1),
  prefer_merged: z.boolean().optional(),
  verbose: z.boolean().optional(),
  base_model: z.string().optional(),
  weights_path: z.string().optional(),
  tokenizer_path: z.string().nullish(),
});
export const EnsureResponse = z.looseObject({ kind: z.string(), local_path: z.string(), source: z.string() });

/** `rl:<base_slug>:<job_id>:<checkpoint>` (docs/wire-contract.md §7.1). */
export interface RlModelId {
  slug: string;
  jobId: string;
  checkpoint?: string;
}

export function parseRlModelId(id: string): RlModelId | undefined {
  const m = /^rl:([^:]+):([^:]+)(?::(.+))?$/.exec(id.trim());
  if (m === null) return undefined;
  return { slug: m[1] as string, jobId: m[2] as string, ...(m[3] !== undefined && { checkpoint: m[3] }) };
}

/** `Qwen/Qwen3-0.6B` → `Qwen-Qwen3-0.6B`. */
export function baseSlug(model: string): string {
  return model.replaceAll('/', '-');
}

/** `checkpoint-epoch-N` at the end of an epoch; `checkpoint-epoch-N-step-K` for one inside it. */
export function checkpointLabel(epoch: number, step?: number): string {
  return step === undefined ? `checkpoint-epoch-${epoch}` : `checkpoint-epoch-${epoch}-step-${step}`;
}

export function rlModelId(baseModel: string, jobId: string, label: string): string {
  return `rl:${baseSlug(baseModel)}:${jobId}:${label}`;
}

/** Storage key of a checkpoint tarball (docs/wire-contract.md §7.1). */
export function checkpointKey(baseModel: string, jobId: string, label: string): string {
  return `models/${baseSlug(baseModel)}/rl-${jobId}/${label}.tar.gz`;
}
