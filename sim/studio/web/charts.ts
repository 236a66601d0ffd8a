// Line charts on uPlot: one or more metric series over the iteration, each with an optional
// ±std band, redrawn as points arrive.
import uPlot from 'uplot';
import { h } from './dom.ts';

export const PALETTE = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#dc2626', '#0891b2', '#ca8a04', '#db2777'];

export interface LineSpec {
  label: string;
  color: string;
  /** [steps, values] */
  data: [number[], number[]];
  /** Std per step, drawn as a band around the line. */
  std?: [number[], number[]];
}

/** Joins series with different steps onto one x axis (gaps where a series has no point). */
function align(lines: LineSpec[]): { x: number[]; ys: (number | null)[][] } {
  const xs = new Set<number>();
  for (const l of lines) for (const s of l.data[0]) xs.add(s);
  const x = [...xs].sort((a, b) => a - b);
  const at = (d: [number[], number[]]) => {
    const m = new Map(d[0].map((s, i) => [s, d[1][i] as number]));
    return x.map((s) => m.get(s) ?? null);
  };
  const ys: (number | null)[][] = [];
  for (const l of lines) {
    const y = at(l.data);
    ys.push(y);
    if (l.std !== undefined) {
      const sd = at(l.std);
      ys.push(y.map((v, i) => (v === null ? null : v + (sd[i] ?? 0))));
      ys.push(y.map((v, i) => (v === null ? null : v - (sd[i] ?? 0))));
    }
  }
  return { x, ys };
}

/** A flat series gets a small range around it instead of uPlot's 0..100. */
function yRange(_u: uPlot, min: number | null, max: number | null): [number, number] {
  const lo = min ?? 0;
  const hi = max ?? 1;
  if (hi - lo < 1e-12) {
    const pad = Math.abs(lo) > 1e-9 ? Math.abs(lo) * 0.1 : 1;
    return [lo - pad, hi + pad];
  }
  const pad = (hi - lo) * 0.08;
  return [lo - pad, hi + pad];
}

/** Tick labels with as many decimals as the spacing between ticks needs. */
function tick(v: number, splits: number[]): string {
  const step = splits.length > 1 ? Math.abs((splits[1] as number) - (splits[0] as number)) : Math.abs(v);
  if (v === 0 || step === 0) return v === 0 ? '0' : String(v);
  if (Math.abs(v) >= 1e5 || step < 1e-4) return v.toExponential(1);
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step))));
  return v.toFixed(decimals);
}

function fade(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

export class LineChart {
  readonly el: HTMLElement;
  private plot: uPlot | undefined;
  private shape = '';
  private readonly body: HTMLElement;
  private readonly empty: HTMLElement;
  private lines: LineSpec[] = [];

  private readonly key: HTMLElement;

  constructor(readonly title: string, readonly id: string) {
    this.body = h('div', { class: 'chart-body' });
    this.empty = h('div', { class: 'chart-empty' }, 'no points yet');
    this.key = h('div', { class: 'key' });
    this.el = h('section', { class: 'chart card', 'data-chart': id }, h('div', { class: 'chart-head' }, h('h3', {}, title), this.key), this.body, this.empty);
  }

  /** Redraws with these series; rebuilds the plot only when the set of series changes. */
  update(lines: LineSpec[]): void {
    this.lines = lines.filter((l) => l.data[0].length > 0);
    const { x, ys } = align(this.lines);
    const keyText = this.lines.map((l) => `${l.label}${l.std ? ' ± std' : ''}`).join('|');
    if (this.key.dataset.text !== keyText) {
      this.key.dataset.text = keyText;
      this.key.replaceChildren(...(this.lines.length > 1 || this.lines.some((l) => l.std)
        ? this.lines.map((l) => h('span', { class: 'key-item' }, h('i', { style: `background:${l.color}` }), l.std ? `${l.label} ± std` : l.label)) : []));
    }
    this.empty.hidden = x.length > 0;
    this.el.dataset.points = String(x.length);
    this.el.dataset.lastStep = String(x.at(-1) ?? '');
    if (x.length === 0) return;
    const shape = this.lines.map((l) => `${l.label}:${l.std ? 1 : 0}`).join('|');
    if (this.plot === undefined || shape !== this.shape) {
      this.plot?.destroy();
      this.shape = shape;
      this.plot = new uPlot(this.options(), [x, ...ys] as uPlot.AlignedData, this.body);
      return;
    }
    this.plot.setData([x, ...ys] as uPlot.AlignedData);
  }

  resize(): void {
    if (this.plot === undefined) return;
    this.plot.setSize({ width: this.width(), height: 180 });
  }

  private width(): number {
    return Math.max(240, this.body.clientWidth || this.el.clientWidth - 24 || 320);
  }

  private options(): uPlot.Options {
    const series: uPlot.Series[] = [{ label: 'iteration' }];
    const bands: uPlot.Band[] = [];
    for (const l of this.lines) {
      series.push({ label: l.label, stroke: l.color, width: 2, points: { size: 4 }, spanGaps: true });
      if (l.std !== undefined) {
        const i = series.length;
        series.push({ label: `${l.label} +std`, stroke: fade(l.color, 0.25), width: 1, points: { show: false }, spanGaps: true });
        series.push({ label: `${l.label} −std`, stroke: fade(l.color, 0.25), width: 1, points: { show: false }, spanGaps: true });
        bands.push({ series: [i, i + 1], fill: fade(l.color, 0.12) });
      }
    }
    return {
      width: this.width(),
      height: 180,
      series,
      bands,
      legend: { show: false },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false }, y: { range: yRange } },
      axes: [
        { stroke: '#64748b', grid: { stroke: '#eef2f7' }, ticks: { stroke: '#e2e8f0' }, values: (_u, splits) => splits.map((v) => tick(v, splits)) },
        { stroke: '#64748b', grid: { stroke: '#eef2f7' }, ticks: { stroke: '#e2e8f0' }, size: 60, values: (_u, splits) => splits.map((v) => tick(v, splits)) },
      ],
    };
  }
}
