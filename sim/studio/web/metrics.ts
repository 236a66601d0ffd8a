// Metric points of one job as the page holds them: per name, value by step. Derived series
// (tokens/s) are computed here. Each new point is noted with the time it reached the page, which
// the browser tests read to measure how fast a recorded metric shows.
import type { MetricPoint } from './api.ts';

export interface Shown {
  name: string;
  step: number;
  at: number;
}

declare global {
  interface Window {
    __studioShown?: Shown[];
  }
}

export class MetricStore {
  private readonly byName = new Map<string, Map<number, number>>();
  private readonly listeners = new Set<(names: Set<string>) => void>();

  add(points: readonly MetricPoint[]): void {
    const changed = new Set<string>();
    for (const p of points) {
      if (typeof p.step !== 'number' || typeof p.value !== 'number') continue;
      const series = this.byName.get(p.name) ?? new Map<number, number>();
      this.byName.set(p.name, series);
      if (series.get(p.step) === p.value) continue;
      series.set(p.step, p.value);
      changed.add(p.name);
      if (p.name === 'train.tokens' || p.name === 'train.step_seconds') this.derive(p.step, changed);
    }
    if (changed.size === 0) return;
    for (const l of this.listeners) l(changed);
  }

  /** Marks points as on screen (called by the charts after they drew them). */
  noteShown(names: Iterable<string>, at = Date.now()): void {
    const log = (window.__studioShown ??= []);
    for (const name of names) {
      const series = this.byName.get(name);
      if (series === undefined) continue;
      const step = Math.max(...series.keys());
      log.push({ name, step, at });
    }
  }

  private derive(step: number, changed: Set<string>): void {
    const tokens = this.byName.get('train.tokens')?.get(step);
    const secs = this.byName.get('train.step_seconds')?.get(step);
    if (tokens === undefined || secs === undefined || secs <= 0) return;
    const series = this.byName.get('train.tokens_per_s') ?? new Map<number, number>();
    this.byName.set('train.tokens_per_s', series);
    series.set(step, tokens / secs);
    changed.add('train.tokens_per_s');
  }

  series(name: string): [number[], number[]] {
    const s = this.byName.get(name);
    if (s === undefined) return [[], []];
    const steps = [...s.keys()].sort((a, b) => a - b);
    return [steps, steps.map((k) => s.get(k) as number)];
  }

  get(name: string, step: number): number | undefined {
    return this.byName.get(name)?.get(step);
  }

  has(name: string): boolean {
    return (this.byName.get(name)?.size ?? 0) > 0;
  }

  onChange(listener: (names: Set<string>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
