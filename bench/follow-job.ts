// For the training benches: follow a job to its end with the client's followJobEvents (as `run`
// does), while probing GET /api/learning/jobs/{id} every 20 ms beside it, so the figures include
// how responsive the backend stays under training.
import { SynthClient } from '../src/client/api-client.ts';
import { followJobEvents, type FollowOptions, type FollowResult } from '../src/client/follow.ts';

export interface Followed {
  result: FollowResult;
  /** Milliseconds per status request while the job ran. */
  statusLatencies: number[];
}

export async function followWithStatusProbe(apiUrl: string, apiKey: string, jobId: string, opts: Omit<FollowOptions, 'client' | 'jobId'> = {}): Promise<Followed> {
  const client = new SynthClient({ backendUrl: apiUrl, apiKey });
  const statusLatencies: number[] = [];
  let following = true;
  const probe = (async () => {
    while (following) {
      const t0 = performance.now();
      const res = await fetch(client.url(`/learning/jobs/${jobId}`), { headers: client.authHeaders() });
      await res.arrayBuffer();
      statusLatencies.push(performance.now() - t0);
      await Bun.sleep(20);
    }
  })();
  try {
    // Only the job's end stops a bench: long quiet phases are expected while it trains.
    const result = await followJobEvents({ client, jobId, pollIntervalMs: 200, startupDeadlineSeconds: 0, emptyPollsThreshold: 0, ...opts });
    return { result, statusLatencies };
  } finally {
    following = false;
    await probe;
  }
}
