// sim:random — uniformly random Crafter actions, 2–5 per decision. Seeded from the request's `seed`
// or, without one, from a hash of the messages, so the same prompt always gets the same answer and
// whole rollouts are reproducible. The baseline every learned policy must beat.
import type { ChatCompletionRequest } from '../../../src/api/chat.ts';
import { ACTION_NAMES } from '../../crafter/index.ts';
import { ScriptedPolicy, type PolicyChoice } from './completion.ts';

/** FNV-1a over a string, 32-bit. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: small, fast, good enough for choosing actions. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The request's seed, or a hash of its messages. */
export function requestSeed(req: ChatCompletionRequest): number {
  if (req.seed !== undefined) return req.seed >>> 0;
  return hashString(JSON.stringify(req.messages));
}

export const MIN_ACTIONS = 2;
export const MAX_ACTIONS = 5;

export class RandomPolicy extends ScriptedPolicy {
  constructor(id = 'sim:random') {
    super(id, 'uniformly random Crafter actions (seeded; baseline)');
  }

  protected choose(req: ChatCompletionRequest): PolicyChoice {
    const rng = mulberry32(requestSeed(req));
    const n = MIN_ACTIONS + Math.floor(rng() * (MAX_ACTIONS - MIN_ACTIONS + 1));
    const actions: string[] = [];
    for (let i = 0; i < n; i++) actions.push(ACTION_NAMES[Math.floor(rng() * ACTION_NAMES.length)] as string);
    const lp = -Math.log(ACTION_NAMES.length);
    return { actions, reasoning: 'random baseline', logprobs: actions.map(() => lp) };
  }
}
