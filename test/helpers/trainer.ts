// Runs a Trainer outside the backend: a real task app and inference server on free ports, and a
// TrainerContext that records everything the trainer reports.
import type { JobEvent } from '../../src/api/jobs.ts';
import { JobCreateBody } from '../../src/api/jobs.ts';
import { RlConfigFile } from '../../src/api/rl-config.ts';
import { jobParams } from '../../sim/backend/job-params.ts';
import type { NewMetric } from '../../sim/backend/store.ts';
import type { CheckpointInfo, Trainer, TrainerContext, TrainerResult } from '../../sim/backend/trainer.ts';
import { createInferenceApp, createInferenceService, type InferenceService } from '../../sim/inference/index.ts';
import { startTaskApp, type RunningTaskApp } from '../../sim/taskapp/index.ts';
import { PolicyTokenizer } from '../../sim/policy/tokenizer.ts';
import { GrpoTrainer } from '../../sim/trainer/grpo-trainer.ts';
import type { PolicyEngine } from '../../sim/trainer/engine.ts';

import { tempDir } from './cli.ts';

export const ENV_KEY = 'env-test-key';

export interface Harness {
  taskApp: RunningTaskApp;
  inference: InferenceService;
  inferenceUrl: string;
  checkpointDir: string;
  stop(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const taskApp = await startTaskApp({ port: 0, environmentApiKey: ENV_KEY });
  const inference = createInferenceService();
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: createInferenceApp(inference).fetch });
  return {
    taskApp,
    inference,
    inferenceUrl: `http://127.0.0.1:${server.port}/inference`,
    checkpointDir: tempDir(),
    async stop() {
      await taskApp.stop();
      await server.stop(true);
    },
  };
}

let sharedTokenizer: Promise<PolicyTokenizer> | undefined;
export const tokenizer = () => (sharedTokenizer ??= PolicyTokenizer.builtin());

export function grpoTrainer(h: Harness, engine?: () => PolicyEngine): GrpoTrainer {
  return new GrpoTrainer({ inference: h.inference, inferenceBaseUrl: () => h.inferenceUrl, checkpointDir: h.checkpointDir, tokenizer, ...(engine && { engine }) });
}

export interface Recorded {
  events: Pick<JobEvent, 'type' | 'message' | 'data' | 'level'>[];
  metrics: NewMetric[];
  /** The metrics of each commit, in order (one transaction each). */
  commits: (readonly NewMetric[])[];
  phases: string[];
  checkpoints: CheckpointInfo[];
  files: { path: string; sizeBytes: number }[];
}

export async function runTrainer(
  trainer: Trainer, h: Harness, config: Record<string, unknown>, opts: { envKey?: string | undefined; jobId?: string } = {},
): Promise<{ result?: TrainerResult; error?: Error; rec: Recorded }> {
  const body = JobCreateBody.parse({ job_type: 'rl', data: { model: 'Qwen/Qwen3-0.6B', endpoint_base_url: h.taskApp.url, config } });
  const params = jobParams(opts.jobId ?? 'job_0000000000000000001', 'org_test', body, RlConfigFile.parse(config));
  const rec: Recorded = { events: [], metrics: [], commits: [], phases: [], checkpoints: [], files: [] };
  const controller = new AbortController();
  const emit = (type: string, message: string, data: Record<string, unknown> = {}, level: JobEvent['level'] = 'info'): JobEvent => {
    rec.events.push({ type, message, data, level });
    return { seq: rec.events.length, type, message, data, level, created_at: '', job_id: params.id };
  };
  const ctx: TrainerContext = {
    job: params,
    signal: controller.signal,
    resumed: false,
    resumeFrom: undefined,
    emit: async (type, message, data, level) => emit(type, message, data, level),
    metrics: (points) => void rec.metrics.push(...points),
    commit: async (c) => {
      rec.commits.push(c.metrics ?? []);
      rec.metrics.push(...(c.metrics ?? []));
      return (c.events ?? []).map((e) => emit(e.type, e.message, e.data, e.level));
    },
    hold: async () => {},
    setPhase: (p) => void rec.phases.push(p),
    setProgress: () => {},
    sleep: (ms) => Bun.sleep(ms),
    envKey: () => ('envKey' in opts ? opts.envKey : ENV_KEY),
    checkpoint: async (label, epoch, iteration, file) => {
      if (file) rec.files.push(file);
      const info = { label, epoch, iteration, modelId: `rl:Qwen-Qwen3-0.6B:${params.id}:${label}`, storageKey: 'k', uri: 's3://x/k' };
      rec.checkpoints.push(info);
      return info;
    },
  };
  try {
    return { result: await trainer.run(ctx), rec };
  } catch (error) {
    return { error: error as Error, rec };
  }
}

/** A small, fast job config for tests. */
export function smallConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    training: { num_epochs: 1, iterations_per_epoch: 3 },
    trainer: { batch_size: 2, group_size: 4 },
    // 20 steps: long enough that groups differ and iterations update (6 left every group zero-variance).
    env: { max_steps_per_episode: 20 },
    evaluation: { seeds: [0, 1, 2, 3], every_n_iters: 2 },
    checkpoint: { interval: 2, keep_last_n: 2 },
    sim: { trainer: 'grpo', preset: 'micro', seed: 3, model: { n_layer: 1, n_head: 2, d_model: 32, n_ctx: 96 } },
    ...extra,
  };
}
