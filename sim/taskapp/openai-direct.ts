// The OpenAI-direct smoke test the simulated backend serves at POST /api/rl/tests/openai/direct
// (docs/wire-contract.md §2.3, S6; body schema: src/api/openai-direct.ts): runs
// the rollouts of one model against the caller's task app and answers the summary directly. The
// contract allows a job-less answer (`{ok: true, …}` without job_id: the reference client prints it
// and exits 0), which keeps the job state machine out of a smoke test.
import { defaultUseProxy, type OpenAIDirectRequest } from '../../src/api/openai-direct.ts';
import { runRollouts, summarize, type RolloutOutcome } from '../../src/client/taskapp-rollout.ts';

export interface OpenAIDirectContext {
  /** The org's uploaded ENVIRONMENT_API_KEY (decrypted), if any. */
  envKey: string | undefined;
  /** This simulator's trainer-side inference URL (`{origin}/inference`). */
  simInferenceUrl: string;
  fetch?: typeof fetch;
}

/** The S6 batch summary row of one rollout. */
function row(o: RolloutOutcome): Record<string, unknown> {
  return {
    index: o.index, seed: o.seed, run_id: o.runId, ok: o.ok, reward: o.return, steps: o.steps, end_reason: o.endReason ?? null,
    achievements_last: o.achievements, achievements_total: o.achievements, ...(o.error !== undefined && { error: o.error }),
  };
}

export async function runOpenAIDirectTest(body: OpenAIDirectRequest, ctx: OpenAIDirectContext): Promise<Response> {
  const envKey = body.environment_api_key ?? ctx.envKey;
  if (envKey === undefined) {
    return Response.json({ detail: 'no ENVIRONMENT_API_KEY for the task app: upload it first (synth-rl env-key) or send environment_api_key' }, { status: 400 });
  }
  const taskAppUrl = body.endpoint_base_url.replace(/\/+$/, '');
  // use_proxy (sent, or by the shared rule) routes through the task app's OpenAI proxy; otherwise
  // the simulator's own inference server answers.
  const useProxy = body.use_proxy ?? defaultUseProxy(body.model, body.inference_url);
  const inferenceUrl = body.inference_url ?? (useProxy ? `${taskAppUrl}/proxy` : ctx.simInferenceUrl);
  const maxSteps = body.max_steps_each ?? body.max_steps ?? 10;
  const started = performance.now();
  const outcomes = await runRollouts({
    taskAppUrl, inferenceUrl, model: body.model, envKey, numRollouts: body.num_rollouts, maxStepsEach: maxSteps,
    timeoutSeconds: body.timeout_seconds, concurrency: body.concurrency, seed: body.seed, runPrefix: `openai-direct-${Date.now().toString(36)}`,
    ...(body.preset !== undefined && { preset: body.preset }),
  }, { ...(ctx.fetch !== undefined && { fetch: ctx.fetch }) });
  const summary = summarize(body.model, outcomes, performance.now() - started);
  const rollouts = outcomes.map(row);
  if (summary.ok === 0) {
    return Response.json({ detail: `every rollout failed; first: ${outcomes[0]?.error ?? 'unknown error'}`, summary: { ...summary, rollouts } }, { status: 502 });
  }
  return Response.json({
    ok: summary.failed === 0,
    simulated: true,
    message: `openai-direct: ${summary.ok}/${summary.num_rollouts} rollouts of ${body.model}, mean achievements ${summary.mean_achievements.toFixed(2)}`,
    episode_returns: outcomes.filter((o) => o.ok).map((o) => o.return),
    mean_return: summary.mean_achievements,
    summary: { ...summary, task_app: taskAppUrl, inference_url: inferenceUrl, rollouts },
  });
}
