// Drives one small GRPO job through a running simulator process: seal and upload the task app's
// env key, create the job, follow it to the end (followJobEvents). Used by the e2e tests (dev and compiled binary).
import { SynthClient } from '../../src/client/api-client.ts';
import { followJobEvents } from '../../src/client/follow.ts';
import { decodeBase64Strict, encodeBase64, seal } from '../../src/crypto/sealedbox.ts';

export interface GrpoJobOutcome {
  status: string;
  jobId: string;
  fineTunedModel: string | null;
  events: { seq: number; type: string; message: string }[];
}

export async function runTinyGrpoJob(backend: string, apiKey: string, taskAppUrl: string, envKey: string, timeoutMs = 60_000): Promise<GrpoJobOutcome> {
  const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${backend}/api${path}`, { ...init, headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' } });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const { public_key } = await api<{ public_key: string }>('/v1/crypto/public-key');
  const sealed = seal(new TextEncoder().encode(envKey), decodeBase64Strict(public_key) as Uint8Array);
  await api('/v1/env-keys', { method: 'POST', body: JSON.stringify({ name: 'ENVIRONMENT_API_KEY', ciphertext_b64: encodeBase64(sealed) }) });
  const config = {
    training: { num_epochs: 1, iterations_per_epoch: 2 }, trainer: { batch_size: 1, group_size: 4 }, env: { max_steps_per_episode: 4 },
    evaluation: { seeds: [0, 1], every_n_iters: 2 }, checkpoint: { interval: 2 },
    sim: { trainer: 'grpo', preset: 'micro', model: { n_layer: 1, n_head: 1, d_model: 16, n_ctx: 96 } },
  };
  const { job_id } = await api<{ job_id: string }>('/rl/jobs', {
    method: 'POST', body: JSON.stringify({ job_type: 'rl', data: { model: 'Qwen/Qwen3-0.6B', endpoint_base_url: taskAppUrl, config } }),
  });
  // Followed the way `synth-rl run` follows jobs; the events are the stored ones, exactly once and in order.
  const events: GrpoJobOutcome['events'] = [];
  const result = await followJobEvents({
    client: new SynthClient({ backendUrl: backend, apiKey }), jobId: job_id, pollIntervalMs: 100, maxSeconds: timeoutMs / 1000,
    // Only the time budget ends the wait, as before: a loaded machine may be quiet for long between steps.
    startupDeadlineSeconds: 0, emptyPollsThreshold: 0,
    onEvent: (e) => void (e.linked || events.push({ seq: e.seq, type: e.type, message: e.message })),
  });
  const job = { status: result.status ?? 'unknown', fine_tuned_model: result.fineTunedModel ?? null };
  return { status: job.status, jobId: job_id, fineTunedModel: job.fine_tuned_model, events };
}
