// In-process fan-out of committed events to live SSE connections. Events are published only
// after the store committed them, so a subscriber never sees an event a restart could lose.
import type { JobEvent } from '../../src/api/jobs.ts';

export type BusMessage = { kind: 'event'; event: JobEvent } | { kind: 'status'; status: string };
type Listener = (m: BusMessage) => void;

export class EventBus {
  private readonly listeners = new Map<string, Set<Listener>>();

  subscribe(jobId: string, listener: Listener): () => void {
    let set = this.listeners.get(jobId);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(jobId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(jobId);
    };
  }

  publish(jobId: string, message: BusMessage): void {
    const set = this.listeners.get(jobId);
    if (set === undefined) return;
    for (const l of [...set]) l(message);
  }

  subscriberCount(jobId: string): number {
    return this.listeners.get(jobId)?.size ?? 0;
  }
}
