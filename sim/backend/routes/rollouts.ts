// Recorded rollouts over HTTP, for the Studio (same auth and per-org isolation as every /api
// route: `ownJob` answers 404 for another org's job). Shapes, stable for the Studio's pages:
//
// GET /api/rl/jobs/{id}/rollouts[?kind=train|eval&after_iteration=N&limit=M]
//   { job_id, iterations: [{ kind, iteration, recorded_at, reward_mean,
//       groups: [{ group, seed, reward_mean, episodes: [{ index, reward, advantage, steps, recorded, href }] }] }],
//     next_after_iteration }        (href: the episode route below, only where recorded)
// GET /api/rl/jobs/{id}/rollouts/{iteration}/{group}/{index}[?kind=train|eval]
//   { job_id, kind, iteration, group, index, seed, reward, advantage, end_reason, achievements, env,
//     group_rewards, group_advantages, frames: { count, href_template },   (frames 0..steps)
//     steps: [{ step, decision, observation, prompt, prompt_tokens, actions: [{ action, logprob }],
//               action, reward, done, achievements_unlocked, achievements, position, inventory, frame }] }
//   Step i's observation/prompt/frame are what the model saw before acting; frame `steps` is the end.
// GET /api/rl/jobs/{id}/rollouts/{iteration}/{group}/{index}/frames/{step}.png[?kind=&scale=2..32&area=full|view]
//   image/png of the world before step `step` (the task app's Crafter replayed from seed and actions).
import { Hono, type Context } from 'hono';
import { parseObservation } from '../../../src/policy/template.ts';
import { CrafterEnv, actionIndex, renderPng, textObservation, type Preset } from '../../crafter/index.ts';
import { DEFAULT_ENGINE_MAX_STEPS } from '../../taskapp/env-config.ts';
import { readEpisode, readIndex, rolloutsDir, type IndexEntry, type RecordedEpisode, type RolloutKind } from '../../trainer/rollout-record.ts';
import { detail, intQuery } from '../request.ts';
import type { JobRow, Store } from '../store.ts';
import { ownJob, type BackendEnv } from './context.ts';

const MAX_INT = 1_000_000_000;
const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

function kindQuery(c: Context<BackendEnv>, fallback: RolloutKind | undefined): RolloutKind | undefined | Response {
  const raw = c.req.query('kind');
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'train' || raw === 'eval') return raw;
  return detail(422, `query parameter kind must be "train" or "eval", got ${JSON.stringify(raw)}`);
}

function pathInt(name: string, raw: string | undefined): number | Response {
  const text = raw ?? '';
  if (!/^\d{1,9}$/.test(text)) return detail(422, `path parameter ${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
  return Number.parseInt(text, 10);
}

const episodeHref = (jobId: string, kind: RolloutKind, it: number, group: number, index: number) =>
  `/api/rl/jobs/${jobId}/rollouts/${it}/${group}/${index}${kind === 'eval' ? '?kind=eval' : ''}`;

function indexJson(jobId: string, e: IndexEntry) {
  const all = e.groups.flatMap((g) => g.episodes.map((x) => x.reward));
  return {
    kind: e.kind, iteration: e.iteration, recorded_at: e.recorded_at, reward_mean: mean(all),
    groups: e.groups.map((g) => ({
      group: g.group, seed: g.seed, reward_mean: mean(g.episodes.map((x) => x.reward)),
      episodes: g.episodes.map((x) => ({ ...x, href: x.recorded ? episodeHref(jobId, e.kind, e.iteration, g.group, x.index) : null })),
    })),
  };
}

function episodeJson(jobId: string, ep: RecordedEpisode, entry: IndexEntry | undefined) {
  const group = entry?.groups.find((g) => g.group === ep.group)?.episodes ?? [];
  const base = `/api/rl/jobs/${jobId}/rollouts/${ep.iteration}/${ep.group}/${ep.index}/frames`;
  const query = ep.kind === 'eval' ? '?kind=eval' : '';
  const unlocked: string[] = [];
  const steps = ep.steps.map((s, i) => {
    const d = ep.decisions[s.decision];
    const row = {
      step: i, decision: s.decision, observation: d?.observation ?? '', prompt: d?.prompt ?? '', prompt_tokens: d?.prompt_tokens ?? 0,
      actions: d?.actions ?? [], action: s.action, reward: s.reward, done: s.done, achievements_unlocked: s.achievements_unlocked,
      achievements: [...unlocked, ...s.achievements_unlocked], position: s.position, inventory: s.inventory, frame: `${base}/${i}.png${query}`,
    };
    unlocked.push(...s.achievements_unlocked);
    return row;
  });
  const { decisions: _d, steps: _s, ...head } = ep;
  return {
    job_id: jobId, ...head, group_rewards: group.map((x) => x.reward), group_advantages: group.map((x) => x.advantage),
    frames: { count: ep.steps.length + 1, href_template: `${base}/{step}.png${query}` }, steps,
  };
}

/** Why the replayed world differs from what the model was shown, if it does (synth-format text only). */
function mapDrift(env: CrafterEnv, recorded: string): string | undefined {
  const want = parseObservation(recorded);
  if (want === undefined) return undefined;
  const got = parseObservation(textObservation(env, { format: 'synth' }));
  return got?.map.join(' ') === want.map.join(' ') ? undefined : 'the replayed 7x7 view differs from the observation the model read';
}

/**
 * The world before step `step` of the episode, replayed from the seed and the actions, or why the
 * replay drifted from the record (checked against every recorded view and position on the way).
 */
function replayTo(ep: RecordedEpisode, step: number): CrafterEnv | string {
  const env = new CrafterEnv({ preset: ep.env.preset as Preset, maxSteps: DEFAULT_ENGINE_MAX_STEPS, seed: ep.seed });
  for (let i = 0; ; i++) {
    const s = ep.steps[i];
    const startsDecision = s !== undefined && (i === 0 || ep.steps[i - 1]?.decision !== s.decision);
    const drift = startsDecision ? mapDrift(env, ep.decisions[s.decision]?.observation ?? '') : undefined;
    if (drift !== undefined) return `step ${i}: ${drift}; was the task app another Crafter?`;
    if (i >= step || s === undefined) return env;
    const a = actionIndex(s.action);
    if (a < 0) return `step ${i}: recorded action ${JSON.stringify(s.action)} is not a Crafter action`;
    env.step(a);
    if (s.position !== null && (env.playerX !== s.position[0] || env.playerY !== s.position[1])) {
      return `step ${i}: the replayed player is at ${env.playerX},${env.playerY}, the record says ${s.position.join(',')}; was the task app another Crafter?`;
    }
  }
}

/** GET …/rollouts: the recorded iterations after `after_iteration`, `limit` iterations a page. */
function listRollouts(c: Context<BackendEnv>, job: JobRow | Response, dirOf: (job: JobRow) => string | undefined): Response {
  if (job instanceof Response) return job;
  const kind = kindQuery(c, undefined);
  if (kind instanceof Response) return kind;
  const after = intQuery(c, 'after_iteration', -1, -1, MAX_INT);
  if (after instanceof Response) return after;
  const limit = intQuery(c, 'limit', 200, 1, 1000);
  if (limit instanceof Response) return limit;
  const dir = dirOf(job);
  const all = (dir === undefined ? [] : readIndex(dir)).filter((e) => e.iteration > after && (kind === undefined || e.kind === kind));
  // `limit` counts iterations, so a page never splits an iteration's train and eval entries.
  const iterations = [...new Set(all.map((e) => e.iteration))];
  const lastShown = iterations[Math.min(limit, iterations.length) - 1] ?? after;
  const items = all.filter((e) => e.iteration <= lastShown);
  return c.json({
    job_id: job.id, iterations: items.map((e) => indexJson(job.id, e)),
    next_after_iteration: iterations.length > limit ? lastShown : null,
  });
}

export interface RolloutRouteDeps {
  store: Store;
  /** Per-job files (<jobsDir>/<job id>/rollouts/); none recorded when undefined. */
  jobsDir?: string | undefined;
}

export function rolloutRoutes(deps: RolloutRouteDeps): Hono<BackendEnv> {
  const { jobsDir } = deps;
  const api = new Hono<BackendEnv>();
  const dirOf = (job: JobRow) => (jobsDir === undefined ? undefined : rolloutsDir(jobsDir, job.id));

  api.get('/rl/jobs/:id/rollouts', (c) => listRollouts(c, ownJob(deps.store, c), dirOf));

  /** The episode named by the path, or a 4xx Response. */
  const episode = (c: Context<BackendEnv>): { job: JobRow; ep: RecordedEpisode; entry: IndexEntry | undefined } | Response => {
    const job = ownJob(deps.store, c);
    if (job instanceof Response) return job;
    const given = kindQuery(c, 'train');
    if (given instanceof Response) return given;
    const kind = given ?? 'train';
    const it = pathInt('iteration', c.req.param('iteration'));
    if (it instanceof Response) return it;
    const group = pathInt('group', c.req.param('group'));
    if (group instanceof Response) return group;
    const index = pathInt('index', c.req.param('index'));
    if (index instanceof Response) return index;
    const dir = dirOf(job);
    const ep = dir === undefined ? undefined : readEpisode(dir, kind, it, group, index);
    if (dir === undefined || ep === undefined) {
      return detail(404, `no recorded ${kind} rollout at iteration ${it}, group ${group}, index ${index} of job ${job.id} (only [sim] record_rollouts_per_iteration episodes per iteration are recorded)`);
    }
    return { job, ep, entry: readIndex(dir).find((e) => e.kind === kind && e.iteration === it) };
  };

  api.get('/rl/jobs/:id/rollouts/:iteration/:group/:index', (c) => {
    const found = episode(c);
    return found instanceof Response ? found : c.json(episodeJson(found.job.id, found.ep, found.entry));
  });

  api.get('/rl/jobs/:id/rollouts/:iteration/:group/:index/frames/:frame', (c) => {
    const found = episode(c);
    if (found instanceof Response) return found;
    const name = c.req.param('frame');
    const m = /^(\d{1,6})\.png$/.exec(name);
    if (m === null) return detail(422, `frame must be <step>.png with a non-negative step, got ${JSON.stringify(name)}`);
    const scale = intQuery(c, 'scale', 8, 2, 32);
    if (scale instanceof Response) return scale;
    const area = c.req.query('area') ?? 'full';
    if (area !== 'full' && area !== 'view') return detail(422, `query parameter area must be "full" or "view", got ${JSON.stringify(area)}`);
    const step = Number.parseInt(m[1] as string, 10);
    if (step > found.ep.steps.length) return detail(404, `frame ${step} out of range: the episode has frames 0..${found.ep.steps.length}`);
    const env = replayTo(found.ep, step);
    if (typeof env === 'string') return detail(409, `frame ${step} cannot be reproduced: ${env}`);
    return new Response(renderPng(env, { scale, area }), { headers: { 'content-type': 'image/png', 'cache-control': 'private, max-age=3600' } });
  });
  return api;
}
