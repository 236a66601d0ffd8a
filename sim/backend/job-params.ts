// What a job will do, read from its creation body and forwarded TOML (docs/wire-contract.md §6.1),
// and the job's identity: its id and the hash of its body that Idempotency-Key replays compare.
import type { JobCreateBody } from '../../src/api/jobs.ts';
import type { RlConfigFile } from '../../src/api/rl-config.ts';
import type { JobParams } from './trainer.ts';

export function newJobId(): string {
  return `job_${Buffer.from(crypto.getRandomValues(new Uint8Array(10))).toString('hex').slice(0, 19)}`;
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export function bodyHash(body: unknown): string {
  return new Bun.CryptoHasher('sha256').update(stableJson(body)).digest('hex');
}

/** What the job will do, from data.trainer, the forwarded TOML and defaults (docs/wire-contract.md §6.1 sim-choice). */
export function jobParams(id: string, org: string, body: JobCreateBody, config: RlConfigFile): JobParams {
  const warnings: string[] = [];
  const t = body.data.trainer ?? {};
  const pick = (explicit: number | undefined, fromTrainer: number | undefined, fromTraining: number | undefined, fallback: number, name: string) => {
    const chosen = explicit ?? fromTrainer ?? fromTraining ?? fallback;
    if (explicit !== undefined && fromTraining !== undefined && explicit !== fromTraining) {
      warnings.push(`data.trainer.${name}=${explicit} differs from config [training].${name}=${fromTraining}; using ${explicit}`);
    }
    return chosen;
  };
  const model = body.data.model ?? body.data.base_model ?? config.job?.model ?? (typeof config.model === 'object' ? config.model.name ?? config.model.base : config.model) ?? 'Qwen/Qwen3-0.6B';
  return {
    id,
    org,
    model,
    config,
    body,
    taskAppUrl: body.data.endpoint_base_url.replace(/\/+$/, ''),
    batchSize: pick(t.batch_size, config.trainer?.batch_size, config.training?.batch_size, 2, 'batch_size'),
    groupSize: pick(t.group_size, config.trainer?.group_size, config.training?.group_size, 4, 'group_size'),
    epochs: Math.max(1, config.training?.num_epochs ?? 1),
    iterationsPerEpoch: Math.max(1, config.training?.iterations_per_epoch ?? 10),
    evalEvery: config.evaluation?.every_n_iters ?? 5,
    checkpointInterval: config.checkpoint?.interval ?? 10,
    warnings,
  };
}
