// Recorded rollouts as the Studio pages show them, read from the backend's routes
// (GET /api/rl/jobs/{id}/rollouts and …/{iteration}/{group}/{index}; shapes in
// sim/backend/routes/rollouts.ts). Only what the pages use is kept; unknown fields are dropped, and
// a missing field reads as empty rather than failing the page.

export interface RolloutRef {
  index: number;
  reward: number | null;
  advantage: number | null;
}

export interface RolloutIndex {
  iterations: { iteration: number; reward_mean: number | null; groups: { group: number; seed: number | null; rollouts: RolloutRef[] }[] }[];
}

export interface EpisodeStep {
  decision: number;
  observation: string;
  prompt: string;
  /** The actions the model sampled at this step's decision, with their log-probabilities. */
  actions: { name: string; logprob: number | null }[];
  /** The action the env took at this step. */
  action: string;
  reward: number;
  achievements: string[];
  unlocked: string[];
}

export interface Episode {
  iteration: number;
  group: number;
  index: number;
  seed: number | null;
  reward: number;
  advantage: number | null;
  end_reason: string | null;
  steps: EpisodeStep[];
  /** Frames 0..steps.length: frame i is the world before step i, the last one the end. */
  frames: number;
  group_rewards: number[];
  group_advantages: (number | null)[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));

/** The training iterations' recorded episodes (those with steps to replay), by iteration and group. */
export function normalizeIndex(raw: unknown): RolloutIndex {
  const iterations = list(isObj(raw) ? raw.iterations : undefined)
    .filter((it) => it.kind === undefined || it.kind === 'train')
    .map((it) => ({
      iteration: num(it.iteration) ?? 0,
      reward_mean: num(it.reward_mean),
      groups: list(it.groups).map((g) => ({
        group: num(g.group) ?? 0,
        seed: num(g.seed),
        rollouts: list(g.episodes ?? g.rollouts)
          .filter((e) => e.recorded !== false)
          .map((e) => ({ index: num(e.index) ?? 0, reward: num(e.reward), advantage: num(e.advantage) })),
      })).filter((g) => g.rollouts.length > 0),
    }))
    .filter((it) => it.groups.length > 0);
  return { iterations };
}

function stepOf(s: Obj): EpisodeStep {
  return {
    decision: num(s.decision) ?? 0,
    observation: text(s.observation),
    prompt: text(s.prompt),
    actions: list(s.actions).map((a) => ({ name: text(a.action ?? a.name), logprob: num(a.logprob) })),
    action: text(s.action),
    reward: num(s.reward) ?? 0,
    achievements: strings(s.achievements),
    unlocked: strings(s.achievements_unlocked),
  };
}

export function normalizeEpisode(raw: unknown): Episode {
  const o = isObj(raw) ? raw : {};
  const steps = list(o.steps).map(stepOf);
  const frames = isObj(o.frames) ? num(o.frames.count) : null;
  return {
    iteration: num(o.iteration) ?? 0,
    group: num(o.group) ?? 0,
    index: num(o.index) ?? 0,
    seed: num(o.seed),
    reward: num(o.reward) ?? steps.reduce((sum, s) => sum + s.reward, 0),
    advantage: num(o.advantage),
    end_reason: typeof o.end_reason === 'string' ? o.end_reason : null,
    steps,
    frames: frames ?? steps.length + 1,
    group_rewards: Array.isArray(o.group_rewards) ? o.group_rewards.map((x) => num(x) ?? 0) : [],
    group_advantages: Array.isArray(o.group_advantages) ? o.group_advantages.map(num) : [],
  };
}
