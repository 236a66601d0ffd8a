// Failures on demand: per-route latency and error statuses, SSE connections dropped after N
// events, event stalls, a slow first event, and a trainer held at a chosen point of an iteration
// (so a crash test can kill the simulator exactly there). Loaded from --faults or set through
// /_sim/faults.
import { statSync } from 'node:fs';
import { z } from 'zod';

/** Total characters of all route patterns of one fault set. */
const MAX_PATTERN_CHARS = 2048;
/** Longer request paths are no route of this API: never matched, so never costly. */
const MAX_MATCHED_PATH = 1024;

export const RouteFault = z.strictObject({
  /** Path pattern: `*` matches one segment, `**` any rest; e.g. `/api/learning/jobs/*`. */
  path: z.string().min(1).max(512),
  method: z.string().optional(),
  latency_ms: z.number().min(0).max(120_000).optional(),
  error_status: z.number().int().min(400).max(599).optional(),
  /** Probability that a matching request gets error_status (default 1). */
  error_rate: z.number().min(0).max(1).optional(),
  /** Apply to this many matching requests, then expire. */
  times: z.number().int().positive().optional(),
});
export type RouteFault = z.infer<typeof RouteFault>;

export const FaultSpec = z.strictObject({
  // Bounded so matching stays cheap on the shared event loop: at most MAX_PATTERN_CHARS of
  // patterns in all, each request path checked against them in O(path × patterns).
  routes: z.array(RouteFault).max(64).default([])
    .refine((rs) => rs.reduce((n, r) => n + r.path.length, 0) <= MAX_PATTERN_CHARS, { message: `route paths may total at most ${MAX_PATTERN_CHARS} characters (limit)` }),
  sse: z.strictObject({
    /** Close each SSE connection abruptly after this many event frames. */
    drop_after_events: z.number().int().positive().optional(),
    /** Delay before the first frame of every SSE connection. */
    slow_first_event_ms: z.number().min(0).max(600_000).optional(),
  }).default({}),
  events: z.strictObject({
    /** From now on, no job emits events for this many seconds. */
    stall_seconds: z.number().min(0).max(3600).optional(),
    /** New jobs emit their first event (rl.job.created) only after this delay. */
    first_event_delay_ms: z.number().min(0).max(600_000).optional(),
  }).default({}),
  trainer: z.strictObject({
    /**
     * Holds the GRPO trainer at a point of one iteration: `rollouts` (some of the iteration's
     * rollouts done), `update` (the update computed, not yet committed), `checkpoint` (right after
     * a checkpoint was recorded). For `ms` (default: until the job stops). GET /_sim/faults lists held jobs.
     */
    hold: z.strictObject({
      at: z.enum(['rollouts', 'update', 'checkpoint']),
      iteration: z.number().int().min(1),
      ms: z.number().min(0).max(3_600_000).optional(),
    }).optional(),
  }).default({}),
});
export type FaultSpec = z.infer<typeof FaultSpec>;
/** A fault spec as written (sections may be left out). */
export type FaultSpecInput = z.input<typeof FaultSpec>;

interface ActiveRoute extends RouteFault {
  regex: PathPattern;
  remaining: number;
}

/** One step of a compiled path pattern: a literal character, one non-slash character, or a loop. */
type Step = { kind: 'char'; c: string } | { kind: 'segchar' } | { kind: 'segloop' } | { kind: 'anyloop' };

/**
 * A path pattern as a small automaton, matched by tracking every position at once (Thompson's
 * construction): time is O(path × pattern) whatever the pattern, where a backtracking regex built
 * from `/api/**a**a…b` takes seconds per request and stalls the event loop.
 */
export class PathPattern {
  private readonly steps: Step[] = [];

  constructor(readonly pattern: string) {
    for (let i = 0; i < pattern.length; i++) {
      if (pattern.startsWith('**', i)) {
        this.steps.push({ kind: 'anyloop' });
        i++;
      } else if (pattern[i] === '*') {
        // `*` is one segment: at least one non-slash character.
        this.steps.push({ kind: 'segchar' }, { kind: 'segloop' });
      } else {
        this.steps.push({ kind: 'char', c: pattern[i] as string });
      }
    }
  }

  /** Adds `i` and every state reachable from it without reading a character (loops may match nothing). */
  private close(set: Uint8Array, i: number): void {
    for (let j = i; j <= this.steps.length && set[j] === 0; j++) {
      set[j] = 1;
      const kind = this.steps[j]?.kind;
      if (kind !== 'segloop' && kind !== 'anyloop') return;
    }
  }

  private matchesExactly(path: string): boolean {
    const n = this.steps.length;
    let cur = new Uint8Array(n + 1);
    let next = new Uint8Array(n + 1);
    this.close(cur, 0);
    for (let k = 0; k < path.length; k++) {
      const ch = path[k] as string;
      next.fill(0);
      let any = false;
      for (let i = 0; i < n; i++) {
        if (cur[i] === 0) continue;
        const step = this.steps[i] as Step;
        if (step.kind === 'char' ? step.c === ch : step.kind === 'segchar' && ch !== '/') {
          this.close(next, i + 1);
          any = true;
        } else if ((step.kind === 'segloop' && ch !== '/') || step.kind === 'anyloop') {
          this.close(next, i);
          any = true;
        }
      }
      if (!any) return false;
      [cur, next] = [next, cur];
    }
    return cur[n] === 1;
  }

  /** The whole path matches, with or without one trailing slash. */
  test(path: string): boolean {
    if (path.length > MAX_MATCHED_PATH) return false;
    return this.matchesExactly(path) || (path.endsWith('/') && this.matchesExactly(path.slice(0, -1)));
  }
}

export interface RouteDecision {
  latencyMs: number;
  errorStatus?: number;
}

export interface HeldTrainer {
  job_id: string;
  at: string;
  iteration: number;
  since: string;
}

export class Faults {
  private spec: FaultSpec = FaultSpec.parse({});
  private routes: ActiveRoute[] = [];
  private stallUntil = 0;
  private readonly held = new Map<string, HeldTrainer>();
  constructor(private readonly random: () => number = Math.random) {}

  set(input: FaultSpecInput): void {
    const spec = FaultSpec.parse(input);
    this.spec = spec;
    this.routes = spec.routes.map((r) => ({ ...r, regex: new PathPattern(r.path), remaining: r.times ?? Number.POSITIVE_INFINITY }));
    this.stallUntil = spec.events.stall_seconds ? Date.now() + spec.events.stall_seconds * 1000 : 0;
  }

  clear(): void {
    this.set(FaultSpec.parse({}));
  }

  current(): FaultSpec & { stall_remaining_ms: number; held: HeldTrainer[] } {
    return {
      held: [...this.held.values()],
      ...this.spec,
      routes: this.routes.filter((r) => r.remaining > 0).map(({ regex: _r, remaining, ...rest }) => ({
        ...rest, ...(Number.isFinite(remaining) && { times: remaining }),
      })),
      stall_remaining_ms: Math.max(0, this.stallUntil - Date.now()),
    };
  }

  /** Latency and error for one request; consumes one use of each matching rule. */
  forRequest(method: string, path: string): RouteDecision {
    let latencyMs = 0;
    let errorStatus: number | undefined;
    for (const r of this.routes) {
      if (r.remaining <= 0 || !r.regex.test(path)) continue;
      if (r.method && r.method.toUpperCase() !== method.toUpperCase()) continue;
      r.remaining--;
      latencyMs += r.latency_ms ?? 0;
      if (r.error_status !== undefined && errorStatus === undefined && this.random() < (r.error_rate ?? 1)) errorStatus = r.error_status;
    }
    return errorStatus === undefined ? { latencyMs } : { latencyMs, errorStatus };
  }

  get sseDropAfter(): number | undefined {
    return this.spec.sse.drop_after_events;
  }

  get sseSlowFirstMs(): number {
    return this.spec.sse.slow_first_event_ms ?? 0;
  }

  get firstEventDelayMs(): number {
    return this.spec.events.first_event_delay_ms ?? 0;
  }

  /** How long to hold a trainer at `at` of `iteration` (Infinity: until stopped); undefined: no hold. */
  holdMs(at: string, iteration: number): number | undefined {
    const h = this.spec.trainer.hold;
    if (h === undefined || h.at !== at || h.iteration !== iteration) return undefined;
    return h.ms ?? Number.POSITIVE_INFINITY;
  }

  /** Marks a job held (shown by GET /_sim/faults) until the returned function is called. */
  markHeld(jobId: string, at: string, iteration: number): () => void {
    this.held.set(jobId, { job_id: jobId, at, iteration, since: new Date().toISOString() });
    return () => void this.held.delete(jobId);
  }

  /** Milliseconds until an event stall ends (0 when none). */
  stallRemainingMs(): number {
    return Math.max(0, this.stallUntil - Date.now());
  }
}

/**
 * Faults per org (README "/_sim scoping"): `PUT /_sim/faults` changes only the caller's org. The
 * shared set (from --faults, or set in-process by tests) applies to every org that has not set
 * its own; `DELETE /_sim/faults` gives the caller's org an empty set.
 */
export class FaultsByOrg {
  private readonly own = new Map<string, Faults>();
  constructor(readonly shared: Faults, private readonly random: () => number = Math.random) {}

  of(org: string): Faults {
    return this.own.get(org) ?? this.shared;
  }

  set(org: string, spec: FaultSpec): void {
    const f = new Faults(this.random);
    f.set(spec);
    this.own.set(org, f);
  }

  clear(org: string): void {
    this.set(org, FaultSpec.parse({}));
  }
}

/** Largest --faults file read (a fault spec is a few lines; /dev/zero or a log must not be read). */
export const MAX_FAULTS_FILE_BYTES = 1024 * 1024;

/** The text of a --faults file: a regular file of at most MAX_FAULTS_FILE_BYTES. */
async function readFaultsFile(path: string): Promise<string> {
  let info;
  try {
    info = statSync(path);
  } catch {
    throw new Error(`--faults: cannot read ${path} (expected a JSON file or inline JSON)`);
  }
  if (!info.isFile()) throw new Error(`--faults: ${path} is not a regular file (expected a JSON file or inline JSON)`);
  if (info.size > MAX_FAULTS_FILE_BYTES) throw new Error(`--faults: ${path} is ${info.size} bytes, which exceeds the ${MAX_FAULTS_FILE_BYTES}-byte limit`);
  // Read at most one byte past the limit: the file may have grown since stat.
  const bytes = await Bun.file(path).slice(0, MAX_FAULTS_FILE_BYTES + 1).bytes();
  if (bytes.length > MAX_FAULTS_FILE_BYTES) throw new Error(`--faults: ${path} exceeds the ${MAX_FAULTS_FILE_BYTES}-byte limit`);
  return new TextDecoder().decode(bytes);
}

/** Parses --faults: a path to a JSON file or inline JSON; throws with a readable message. */
export async function loadFaultSpec(arg: string): Promise<FaultSpec> {
  const text = arg.trim().startsWith('{') ? arg : await readFaultsFile(arg);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`--faults: invalid JSON: ${(e as Error).message}`);
  }
  const parsed = FaultSpec.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`--faults: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
