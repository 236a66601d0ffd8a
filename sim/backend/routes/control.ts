// The /_sim control API (docs/wire-contract.md §2.3): info, reset, faults and time scale. Every key
// is an org, and /_sim acts on the caller's org only (README "/_sim scoping"): one tenant cannot
// reset, slow down or break another's jobs.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { VERSION } from '../../../src/index.ts';
import { FaultSpec, type FaultsByOrg } from '../faults.ts';
import { detail, readJson } from '../request.ts';
import type { JobRunner } from '../runner.ts';
import type { SseOptions } from '../sse.ts';
import type { Store } from '../store.ts';
import type { BackendEnv } from './context.ts';

export interface ControlRouteDeps {
  store: Store;
  runner: Pick<JobRunner, 'abortAll' | 'timeScaleFor' | 'setTimeScale'>;
  faults: FaultsByOrg;
  sse: SseOptions;
  trainers: readonly string[];
  defaultTrainer: string;
  /** After POST /_sim/reset deleted these jobs (the simulator removes their checkpoint folders). */
  onReset?: (jobIds: readonly string[]) => void;
}

const TimeBody = z.strictObject({ scale: z.number().positive().max(10_000) });

async function reset(deps: ControlRouteDeps, c: Context<BackendEnv>): Promise<Response> {
  if (c.req.query('all') === 'true') {
    return detail(403, 'reset?all=true is refused: /_sim acts on the caller\'s org only; to clear every org, stop the simulator and remove its state dir (or use --ephemeral)');
  }
  const org = c.get('org');
  const jobIds = deps.store.jobIdsOf(org);
  await deps.runner.abortAll(org);
  deps.store.reset(org);
  deps.onReset?.(jobIds);
  deps.faults.clear(org);
  return c.json({ reset: true, scope: 'org' });
}

function faultRoutes(faults: FaultsByOrg, control: Hono<BackendEnv>): void {
  control.get('/faults', (c) => c.json(faults.of(c.get('org')).current()));
  control.put('/faults', async (c) => {
    const parsed = await readJson(c, FaultSpec);
    if (!parsed.ok) return parsed.response;
    faults.set(c.get('org'), parsed.data);
    return c.json(faults.of(c.get('org')).current());
  });
  control.delete('/faults', (c) => {
    faults.clear(c.get('org'));
    return c.json(faults.of(c.get('org')).current());
  });
}

export function controlRoutes(deps: ControlRouteDeps): Hono<BackendEnv> {
  const { runner } = deps;
  const control = new Hono<BackendEnv>();
  control.get('/info', (c) => c.json({
    simulated: true, version: VERSION, trainers: deps.trainers, default_trainer: deps.defaultTrainer, time_scale: runner.timeScaleFor(c.get('org')),
    state: deps.store.path, sse: deps.sse, scope: 'org',
  }));
  control.post('/reset', (c) => reset(deps, c));
  faultRoutes(deps.faults, control);
  control.get('/time', (c) => c.json({ scale: runner.timeScaleFor(c.get('org')) }));
  control.put('/time', async (c) => {
    const parsed = await readJson(c, TimeBody);
    if (!parsed.ok) return parsed.response;
    runner.setTimeScale(parsed.data.scale, c.get('org'));
    return c.json({ scale: runner.timeScaleFor(c.get('org')) });
  });
  return control;
}
