// The guard in front of /api and /_sim: the Bearer key names the org (401 without a known key),
// then the org's injected faults (latency, error statuses) apply to /api requests.
import type { MiddlewareHandler } from 'hono';
import type { ApiKeys } from '../auth.ts';
import type { FaultsByOrg } from '../faults.ts';
import { detail } from '../request.ts';
import type { BackendEnv } from './context.ts';

export function guard(apiKeys: Pick<ApiKeys, 'orgFor'>, faults: FaultsByOrg): MiddlewareHandler<BackendEnv> {
  return async (c, next) => {
    const path = new URL(c.req.url).pathname;
    if (!path.startsWith('/api') && !path.startsWith('/_sim')) return next();
    const org = apiKeys.orgFor(c.req.header('authorization'));
    if (org === undefined) {
      const why = c.req.header('authorization') ? 'Invalid API key' : 'Missing API key: send Authorization: Bearer <SYNTH_API_KEY>';
      return detail(401, why, { 'www-authenticate': 'Bearer' });
    }
    c.set('org', org);
    if (path.startsWith('/api')) {
      const decision = faults.of(org).forRequest(c.req.method, path.replace(/^\/api\/api\//, '/api/'));
      if (decision.latencyMs > 0) await Bun.sleep(decision.latencyMs);
      if (decision.errorStatus !== undefined) return detail(decision.errorStatus, `injected fault: HTTP ${decision.errorStatus}`);
    }
    return next();
  };
}
