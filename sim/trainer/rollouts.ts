// Rollouts against any task app that honours the contract: POST {task_app}/rollout with the
// environment key, a bounded number in flight, failures classified into messages a user can act on.
import { RolloutResponse, type RolloutRequestInput } from '../../src/api/taskapp.ts';
import { fetchFollowingSafely } from '../../src/index.ts';
import { TrainerFailure } from '../backend/trainer.ts';

export interface RolloutSpec {
  traceId: string;
  seed: number;
}

export interface RolloutTarget {
  taskAppUrl: string;
  envKey: string;
  inferenceBaseUrl: string;
  policyModel: string;
  preset: string;
  maxSteps: number;
  temperature: number;
  topP: number;
  timeoutS: number;
  signal: AbortSignal;
}

export function rolloutRequest(spec: RolloutSpec, t: RolloutTarget): RolloutRequestInput {
  return {
    run_id: spec.traceId,
    env: { env_name: 'crafter', config: { preset: t.preset, max_steps_per_episode: t.maxSteps }, seed: spec.seed },
    policy: {
      policy_name: 'crafter-react',
      config: {
        model: t.policyModel, inference_url: `${t.inferenceBaseUrl}/trace/${encodeURIComponent(spec.traceId)}`,
        temperature: t.temperature, top_p: t.topP, max_tokens: 64,
      },
    },
    ops: Array.from({ length: t.maxSteps }, () => ['agent', 'env']).flat(),
    record: { trajectories: true, logprobs: true },
    on_done: 'terminate',
    safety: { max_ops: 2 * t.maxSteps + 2, max_time_s: t.timeoutS },
  };
}

async function one(spec: RolloutSpec, t: RolloutTarget): Promise<RolloutResponse> {
  const url = `${t.taskAppUrl}/rollout`;
  let res: Response;
  try {
    // The environment key goes to the task app's origin only, never to where it redirects.
    res = await fetchFollowingSafely(fetch, url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': t.envKey },
      body: JSON.stringify(rolloutRequest(spec, t)),
      signal: AbortSignal.any([t.signal, AbortSignal.timeout(t.timeoutS * 1000 + 5000)]),
    });
  } catch (error) {
    if (t.signal.aborted) throw error;
    throw new TrainerFailure(`task app unreachable: POST ${url} failed (${(error as Error).message}); check TASK_APP_BASE_URL and that the task app is running`);
  }
  const text = await res.text();
  if (res.status === 401 || res.status === 403) {
    throw new TrainerFailure(`task app rejected the environment key: POST ${url} answered ${res.status} (${text.slice(0, 200)}); upload the task app's ENVIRONMENT_API_KEY with \`synth-rl env-key\``, { status: res.status });
  }
  if (!res.ok) throw new TrainerFailure(`task app error: POST ${url} answered ${res.status}: ${text.slice(0, 300)}`, { status: res.status });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new TrainerFailure(`task app answered POST ${url} with non-JSON: ${text.slice(0, 200)}`);
  }
  // Validated against the contract (docs/wire-contract.md §4.4): optional fields (metrics.details, …) get their defaults.
  const parsed = RolloutResponse.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TrainerFailure(`task app answered POST ${url} with a rollout response that breaks the contract: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Runs all rollouts with at most `concurrency` in flight; results in the order of `specs`. */
export async function runRollouts(
  specs: readonly RolloutSpec[], t: RolloutTarget, concurrency: number, onDone?: () => void | Promise<void>,
): Promise<RolloutResponse[]> {
  const out = new Array<RolloutResponse>(specs.length);
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined) {
      const i = next++;
      if (i >= specs.length) return;
      try {
        out[i] = await one(specs[i] as RolloutSpec, t);
        await onDone?.();
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, worker));
  if (failure !== undefined) throw failure;
  return out;
}

/** The rollout's reward: achievements unlocked (mean_return, per docs/wire-contract.md §4.4) or the native return. */
export function rolloutReward(r: RolloutResponse, kind: 'achievements' | 'native_return'): number {
  if (kind === 'native_return') return r.metrics.episode_returns.reduce((a, b) => a + b, 0);
  return r.metrics.mean_return;
}
