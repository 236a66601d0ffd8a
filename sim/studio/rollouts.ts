// Recorded rollouts as the Studio pages show them. The backend's records are read leniently
// (field aliases, flat or nested indexes) into one shape, and a step's Crafter frame is rendered
// by replaying the episode's actions from its seed (sim/crafter/render.ts) when the record
// carries no image of its own.
import { ACTION_NAMES, CrafterEnv, renderPng } from '../crafter/index.ts';
import type { Preset } from '../crafter/env.ts';

export interface RolloutRef {
  iteration: number;
  group: number;
  index: number;
  reward: number | null;
  seed: number | null;
}

export interface RolloutIndex {
  iterations: { iteration: number; groups: { group: number; seed: number | null; rollouts: RolloutRef[] }[] }[];
}

export interface EpisodeStep {
  observation: string;
  prompt: { role: string; content: string }[];
  actions: { name: string; logprob: number | null }[];
  reward: number;
  achievements: string[];
  /** A PNG the record carried (data: URL), else null: the Studio renders it by replay. */
  frame: string | null;
}

export interface Episode {
  iteration: number;
  group: number;
  index: number;
  seed: number | null;
  preset: Preset | null;
  total_reward: number;
  steps: EpisodeStep[];
  group_rewards: number[];
  group_advantages: number[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const first = (o: Obj, ...keys: string[]): unknown => keys.map((k) => o[k]).find((v) => v !== undefined);
const numbers = (v: unknown): number[] => (Array.isArray(v) ? v.map((x) => num(x) ?? 0) : []);

function refOf(o: Obj, iteration?: number, group?: number): RolloutRef | undefined {
  const it = num(first(o, 'iteration', 'iter')) ?? iteration;
  const g = num(first(o, 'group', 'group_index')) ?? group;
  const i = num(first(o, 'index', 'rollout', 'rollout_index', 'i'));
  if (it === undefined || g === undefined || i === null) return undefined;
  return { iteration: it, group: g, index: i, reward: num(first(o, 'reward', 'total_reward', 'return')), seed: num(o.seed) };
}

/** Every rollout reference in a backend answer: flat lists, or iterations → groups → rollouts. */
function collectRefs(raw: unknown, out: RolloutRef[], iteration?: number, group?: number): void {
  if (Array.isArray(raw)) {
    for (const x of raw) collectRefs(x, out, iteration, group);
    return;
  }
  if (!isObj(raw)) return;
  const it = num(first(raw, 'iteration', 'iter')) ?? iteration;
  const g = num(first(raw, 'group', 'group_index')) ?? group;
  const nested = first(raw, 'iterations', 'groups', 'rollouts', 'episodes', 'items');
  if (nested !== undefined) {
    collectRefs(nested, out, it, g);
    return;
  }
  const ref = refOf(raw, it, g);
  if (ref !== undefined) out.push(ref);
}

export function normalizeIndex(raw: unknown): RolloutIndex {
  const refs: RolloutRef[] = [];
  collectRefs(raw, refs);
  const byIt = new Map<number, Map<number, RolloutRef[]>>();
  for (const r of refs) {
    const groups = byIt.get(r.iteration) ?? new Map<number, RolloutRef[]>();
    byIt.set(r.iteration, groups);
    groups.set(r.group, [...(groups.get(r.group) ?? []), r]);
  }
  const iterations = [...byIt.entries()].sort((a, b) => a[0] - b[0]).map(([iteration, groups]) => ({
    iteration,
    groups: [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([group, rollouts]) => ({
      group, seed: rollouts[0]?.seed ?? null, rollouts: rollouts.sort((a, b) => a.index - b.index),
    })),
  }));
  return { iterations };
}

function actionsOf(o: Obj): EpisodeStep['actions'] {
  const list = first(o, 'actions', 'sampled_actions', 'tool_calls');
  const lps = numbers(first(o, 'logprobs', 'action_logprobs'));
  if (!Array.isArray(list)) return [];
  return list.map((a, i) => {
    if (typeof a === 'string') return { name: a, logprob: lps[i] ?? null };
    if (typeof a === 'number') return { name: ACTION_NAMES[a] ?? String(a), logprob: lps[i] ?? null };
    const x = isObj(a) ? a : {};
    return { name: String(first(x, 'name', 'action', 'token') ?? '?'), logprob: num(first(x, 'logprob', 'log_prob')) ?? lps[i] ?? null };
  });
}

function promptOf(v: unknown): EpisodeStep['prompt'] {
  if (typeof v === 'string') return [{ role: 'user', content: v }];
  if (!Array.isArray(v)) return [];
  return v.filter(isObj).map((m) => ({ role: String(m.role ?? 'user'), content: typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? '') }));
}

function achievementsOf(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (isObj(v)) return Object.entries(v).filter(([, on]) => on === true || (typeof on === 'number' && on > 0)).map(([k]) => k);
  return [];
}

function stepOf(o: Obj): EpisodeStep {
  const png = first(o, 'frame_png_b64', 'image_png_b64');
  const prompt = promptOf(first(o, 'prompt', 'messages'));
  const observation = first(o, 'observation', 'observation_text', 'obs');
  return {
    observation: typeof observation === 'string' ? observation : (prompt.findLast((m) => m.role === 'user')?.content ?? ''),
    prompt,
    actions: actionsOf(o),
    reward: num(first(o, 'reward', 'step_reward')) ?? 0,
    achievements: achievementsOf(first(o, 'achievements', 'unlocked', 'new_achievements')),
    frame: typeof png === 'string' ? `data:image/png;base64,${png}` : null,
  };
}

export function normalizeEpisode(raw: unknown, where: { iteration: number; group: number; index: number }): Episode {
  const o = isObj(raw) ? (isObj(raw.rollout) ? { ...raw, ...raw.rollout } : raw) : {};
  const steps = first(o, 'steps', 'turns', 'trajectory');
  const g = isObj(o.group) ? o.group : o;
  const preset = first(o, 'preset') ?? (isObj(o.env) && isObj(o.env.config) ? o.env.config.preset : undefined);
  const list = Array.isArray(steps) ? steps.filter(isObj).map(stepOf) : [];
  return {
    ...where,
    seed: num(first(o, 'seed')) ?? (isObj(o.env) ? num(o.env.seed) : null),
    preset: preset === 'micro' || preset === 'small' || preset === 'classic' ? preset : null,
    total_reward: num(first(o, 'total_reward', 'reward', 'return')) ?? list.reduce((s, x) => s + x.reward, 0),
    steps: list,
    group_rewards: numbers(first(g, 'group_rewards', 'rewards')),
    group_advantages: numbers(first(g, 'group_advantages', 'advantages')),
  };
}

/** The world after `step` turns (0: the start), replayed from the seed; undefined without one. */
export function renderStep(episode: Episode, step: number, scale = 12): Uint8Array | undefined {
  if (episode.seed === null) return undefined;
  const env = new CrafterEnv({ preset: episode.preset ?? 'micro', seed: episode.seed });
  for (const s of episode.steps.slice(0, step)) {
    for (const a of s.actions) {
      const index = (ACTION_NAMES as readonly string[]).indexOf(a.name);
      if (index >= 0 && !env.done) env.step(index);
    }
  }
  return renderPng(env, { scale, area: env.size <= 32 ? 'full' : 'view' });
}
