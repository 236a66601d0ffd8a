// Failures on demand: per-route latency and error statuses, SSE connections dropped after N
// events, event stalls, a slow first event, and a trainer held at a chosen point of an iteration
// (so a crash test can kill the simulator exactly there). Loaded from --faults or set through
// /_sim/faults.
import { z } from 'zod';

export const RouteFault = z.strictObject({
  /** Path pattern: `*` matches one segment, `**` any rest; e.g. `/api/learning/jobs/*`. */
  path: z.string().min(1),
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
  routes: z.array(RouteFault).default([]),
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
  regex: RegExp;
  remaining: number;
}

function compile(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^/]+').replace(/\u0000/g, '.*');
  return new RegExp(`^${escaped}/?$`);
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
    this.routes = spec.routes.map((r) => ({ ...r, regex: compile(r.path), remaining: r.times ?? Number.POSITIVE_INFINITY }));
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

/** Parses --faults: a path to a JSON file or inline JSON; throws with a readable message. */
export async function loadFaultSpec(arg: string): Promise<FaultSpec> {
  const text = arg.trim().startsWith('{') ? arg : await Bun.file(arg).text().catch(() => {
    throw new Error(`--faults: cannot read ${arg} (expected a JSON file or inline JSON)`);
  });
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
