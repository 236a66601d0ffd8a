// `synth-rl rollout`: N rollouts of one model straight against a task app (the reference's
// openai_in_task_app flow), each rollout's achievements and return as it finishes, then the summary
// (mean achievements, success rate per achievement, Crafter score); --out writes the trajectories.
// --via-backend asks the backend's /api/rl/tests/openai/direct to run them instead.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CRAFTER_ACHIEVEMENTS } from '../../api/taskapp.ts';
import { HttpError } from '../../client/http.ts';
import { runRollouts, runViaBackend, summarize, type RolloutOutcome, type RolloutPlan, type RolloutSummary } from '../../client/taskapp-rollout.ts';
import { apiBase } from '../../client/url.ts';
import { loadConfig } from '../../config/load.ts';
import type { CommandContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';

const PRESETS = ['micro', 'small', 'classic'];

function intFlag(ctx: CommandContext, name: string, fallback: number, min: number, max: number): number {
  const v = ctx.args.flags.get(name);
  const n = typeof v === 'number' ? v : fallback;
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer between ${min} and ${max}, got ${n}`);
  return n;
}

function numberFlag(ctx: CommandContext, name: string, fallback: number, min: number, max: number): number {
  const v = ctx.args.flags.get(name);
  const n = typeof v === 'number' ? v : fallback;
  if (!(n > min && n <= max)) throw new UsageError(`--${name} must be a number greater than ${min} and at most ${max}, got ${n}`);
  return n;
}

function outcomeJson(o: RolloutOutcome): Record<string, unknown> {
  return {
    type: 'rollout', index: o.index, seed: o.seed, run_id: o.runId, ok: o.ok, achievements: o.achievements,
    num_achievements: o.achievements.length, return: o.return, steps: o.steps, end_reason: o.endReason ?? null,
    elapsed_ms: Math.round(o.elapsedMs), ...(o.error !== undefined && { error: o.error }), ...(o.status !== undefined && { status: o.status }),
  };
}

function outcomeLine(o: RolloutOutcome, total: number): string {
  const head = `rollout ${String(o.index + 1).padStart(String(total).length)}/${total} seed ${o.seed}:`;
  if (!o.ok) return `${head} FAILED ${o.error ?? ''}`;
  const list = o.achievements.length > 0 ? ` (${o.achievements.join(', ')})` : '';
  const why = o.error !== undefined ? `; stopped early: ${o.error}` : '';
  return `${head} ${o.achievements.length} achievement${o.achievements.length === 1 ? '' : 's'}${list}, return ${o.return.toFixed(2)}, ${o.steps} steps, ${o.endReason ?? '?'}${why}`;
}

function summaryText(s: RolloutSummary): string {
  const lines = [
    '',
    `summary: ${s.num_rollouts} rollouts of ${s.model} (${s.ok} ok, ${s.failed} failed) in ${s.elapsed_s.toFixed(1)} s`,
    `  mean achievements  ${s.mean_achievements.toFixed(2)} / ${CRAFTER_ACHIEVEMENTS.length}`,
    `  mean return        ${s.mean_return.toFixed(2)}`,
    `  mean steps         ${s.mean_steps.toFixed(1)}`,
    `  Crafter score      ${s.crafter_score.toFixed(2)} %`,
    `  end reasons        ${Object.entries(s.end_reasons).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    '  success rate per achievement:',
  ];
  const unlocked = CRAFTER_ACHIEVEMENTS.filter((a) => (s.achievement_rates[a] ?? 0) > 0);
  for (const a of unlocked) {
    const rate = s.achievement_rates[a] ?? 0;
    lines.push(`    ${a.padEnd(20)} ${(100 * rate).toFixed(0).padStart(3)} %  ${'█'.repeat(Math.round(rate * 20))}`);
  }
  if (unlocked.length < CRAFTER_ACHIEVEMENTS.length) lines.push(`    (${CRAFTER_ACHIEVEMENTS.length - unlocked.length} others: 0 %)`);
  return `${lines.join('\n')}\n`;
}

/** Runs the rollouts through the backend's test route; null when the backend lacks it. */
async function viaBackend(ctx: CommandContext, plan: RolloutPlan, cfg: ReturnType<typeof loadConfig>, signal: AbortSignal): Promise<{ outcomes: RolloutOutcome[]; message?: string } | null> {
  const backendUrl = String(cfg.require('backend_url'));
  const apiKey = String(cfg.require('api_key'));
  try {
    return await runViaBackend(plan, { backendUrl: apiBase(backendUrl), apiKey, signal });
  } catch (e) {
    if (e instanceof HttpError && (e.status === 404 || e.status === 405)) {
      ctx.err.write(`synth-rl: error: --via-backend is not supported by this backend (${e.message})\n`);
      return null;
    }
    throw e;
  }
}

export async function run(ctx: CommandContext): Promise<number> {
  const f = ctx.args.flags;
  const throughBackend = f.get('via-backend') === true;
  const cfg = loadConfig({ flags: f, env: ctx.env, cwd: ctx.cwd });
  const taskAppUrl = String(cfg.require('task_app_url')).replace(/\/+$/, '');
  // Through the backend, the backend picks the inference endpoint unless one is given.
  const inferenceUrl = throughBackend ? (cfg.string('inference_url') ?? '') : String(cfg.require('inference_url'));
  const model = String(cfg.require('model'));
  const envKey = cfg.string('environment_api_key');
  if (envKey === undefined && !throughBackend) {
    throw new UsageError("missing the task app's key: set ENVIRONMENT_API_KEY (sent as X-API-Key on every /rollout)");
  }
  const preset = f.get('preset');
  if (preset !== undefined && (typeof preset !== 'string' || !PRESETS.includes(preset))) {
    throw new UsageError(`--preset must be one of ${PRESETS.join(', ')}, got ${JSON.stringify(preset)}`);
  }
  const plan: RolloutPlan = {
    taskAppUrl, inferenceUrl, model,
    ...(envKey !== undefined && { envKey }),
    numRollouts: intFlag(ctx, 'num-rollouts', 1, 1, 100_000),
    maxStepsEach: intFlag(ctx, 'max-steps-each', 10, 1, 10_000),
    timeoutSeconds: numberFlag(ctx, 'timeout-seconds', 120, 0, 86_400),
    concurrency: intFlag(ctx, 'concurrency', 1, 1, 1024),
    seed: intFlag(ctx, 'seed', 0, 0, Number.MAX_SAFE_INTEGER - 100_000),
    ...(typeof preset === 'string' && { preset }),
  };
  const json = f.get('json') === true;
  const out = typeof f.get('out') === 'string' ? resolve(ctx.cwd, f.get('out') as string) : undefined;
  if (!json) {
    const via = throughBackend ? ' through the backend' : '';
    ctx.out.write(`${plan.numRollouts} rollout${plan.numRollouts === 1 ? '' : 's'} of ${model} against ${taskAppUrl}/rollout${via} (inference ${inferenceUrl || 'chosen by the backend'}, ${plan.maxStepsEach} steps each, ${plan.concurrency} in flight)\n`);
  }
  const controller = new AbortController();
  const interrupt = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', interrupt);
  const started = performance.now();
  const report = (o: RolloutOutcome) => ctx.out.write(json ? `${JSON.stringify(outcomeJson(o))}\n` : `${outcomeLine(o, plan.numRollouts)}\n`);
  let outcomes: RolloutOutcome[];
  try {
    if (throughBackend) {
      const result = await viaBackend(ctx, plan, cfg, controller.signal);
      if (result === null) return EXIT.usage;
      outcomes = result.outcomes;
      for (const o of outcomes) report(o);
      if (result.message !== undefined && !json) ctx.out.write(`OK ${result.message}\n`);
    } else {
      outcomes = await runRollouts(plan, { signal: controller.signal, onResult: report });
    }
  } finally {
    process.removeListener('SIGINT', interrupt);
  }
  const summary = summarize(model, outcomes, performance.now() - started);
  if (out !== undefined) {
    const lines = outcomes.map((o) => JSON.stringify({
      index: o.index, seed: o.seed, run_id: o.runId, model, ok: o.ok,
      ...(o.response !== undefined ? { response: o.response } : { error: o.error ?? null }),
    }));
    writeFileSync(out, lines.length > 0 ? `${lines.join('\n')}\n` : '');
  }
  if (json) ctx.out.write(`${JSON.stringify({ type: 'summary', ...summary, ...(out !== undefined && { out }) })}\n`);
  else ctx.out.write(`${summaryText(summary)}${out !== undefined ? `trajectories: ${out}\n` : ''}`);
  if (controller.signal.aborted) return EXIT.interrupted;
  return summary.failed > 0 || outcomes.length < plan.numRollouts ? EXIT.failure : EXIT.ok;
}
