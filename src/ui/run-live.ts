// On a terminal: events scroll above one live status line — status, iteration/total, last reward
// with a sparkline of recent rewards, elapsed time — redrawn in place. Metrics feed the line
// instead of scrolling (a step carries ~10 of them); the summary at the end lists the latest.
import type { MetricSample } from '../client/api-shapes.ts';
import { isReplayed } from '../client/stream/outcome.ts';
import type { StreamItem, StreamedEvent } from '../client/stream/types.ts';
import type { CheckResult } from '../client/taskapp.ts';
import { checkLine } from './check-report.ts';
import { clock, formatDuration, formatNumber, oneLine, timeOfDay } from './format.ts';
import { headlineMetrics, outcomeHeadline, type JobHeader, type RunRenderer, type RunSummary, type TextSink } from './run-model.ts';
import { sparkline } from './sparkline.ts';
import type { Style } from './style.ts';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] as const;
const CLEAR_LINE = '\r\x1b[2K';
const HISTORY = 40;

export class LiveRenderer implements RunRenderer {
  private status = 'starting';
  private iteration: number | undefined;
  private total: number | undefined;
  private readonly rewards: number[] = [];
  /** Once a train.reward_mean metric arrives, rewards come only from metrics (no double counting). */
  private rewardsFromMetrics = false;
  /** A replayed event or metric arrived: the live line says so (no model is being trained). */
  private replayed = false;
  private jobId = '';
  private startedAt = Date.now();
  private frame = 0;
  private drawn = false;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(private readonly out: TextSink, private readonly err: TextSink, private readonly style: Style, private readonly columns: number) {}

  effectiveConfig(config: Record<string, unknown>): void {
    this.print(`${this.style.dim('Effective config:')} ${JSON.stringify(config)}`);
  }

  warning(message: string): void {
    this.above(() => this.err.write(`${this.style.yellow('warning:')} ${message}\n`));
  }

  checks(results: readonly CheckResult[]): void {
    for (const r of results) this.print(checkLine(r, this.style));
  }

  step(name: string, message: string): void {
    this.print(`${this.style.bold(name)}: ${message}`);
  }

  job(h: JobHeader): void {
    this.jobId = h.jobId;
    this.startedAt = Date.now();
    if (h.status) this.status = h.status;
    const what = h.created ? `Created job ${this.style.bold(h.jobId)}` : `Attached to job ${this.style.bold(h.jobId)}`;
    const how = h.created ? [h.httpStatus !== undefined ? `HTTP ${h.httpStatus}` : '', h.idempotencyKey ? `Idempotency-Key ${h.idempotencyKey}` : ''].filter(Boolean).join(', ') : h.status ? `status ${h.status}` : '';
    this.print(`${this.style.cyan('●')} ${what}${how ? this.style.dim(` (${how})`) : ''} on ${h.backend}`);
    this.ticker = setInterval(() => this.draw(), 250);
    this.ticker.unref?.();
    this.draw();
  }

  item(item: StreamItem): void {
    switch (item.kind) {
      case 'event':
        this.onEvent(item.event);
        return this.print(this.eventLine(item.event));
      case 'metric':
        this.onMetric(item.metric);
        return this.draw();
      case 'status':
        this.status = item.status;
        return this.print(`${this.style.dim(timeOfDay())} ${this.style.magenta('status')} ${item.previous ? `${item.previous} → ` : ''}${this.style.bold(item.status)}`);
      case 'progress':
        this.iteration = item.iteration;
        if (item.total !== undefined) this.total = item.total;
        return this.draw();
      case 'linked':
        return this.print(`${this.style.dim(timeOfDay())} ${this.style.magenta('linked')} following job ${item.jobId} too`);
      case 'notice':
        return this.above(() => this.err.write(`${this.style.dim(`${item.level === 'warning' ? 'warning' : 'note'}: ${item.message}`)}\n`));
    }
  }

  private onEvent(e: StreamedEvent): void {
    if (isReplayed(e.data)) this.replayed = true;
    const it = e.data.iteration;
    const total = e.data.total_iterations;
    if (typeof it === 'number') this.iteration = it;
    if (typeof total === 'number') this.total = total;
    // Status changes also arrive as events (simulator, newer backends): show them without waiting for a poll.
    if (e.type === 'job.updated' && typeof e.data.status === 'string') this.status = e.data.status;
    const reward = e.data.reward_mean;
    if (!this.rewardsFromMetrics && e.type.endsWith('train.step') && typeof reward === 'number') this.pushReward(reward);
  }

  private onMetric(m: MetricSample): void {
    if (isReplayed(m.data)) this.replayed = true;
    if (m.name !== 'train.reward_mean') return;
    if (!this.rewardsFromMetrics) {
      this.rewardsFromMetrics = true;
      this.rewards.length = 0;
    }
    this.pushReward(m.value);
  }

  private pushReward(v: number): void {
    this.rewards.push(v);
    if (this.rewards.length > HISTORY) this.rewards.shift();
  }

  private eventLine(e: StreamedEvent): string {
    const s = this.style;
    const seq = e.hasSeq ? `#${e.seq}` : '#-';
    const type = e.level === 'error' || /failed|error/.test(e.type) ? s.red(e.type)
      : e.level === 'warning' || /cancel/.test(e.type) ? s.yellow(e.type)
        : /completed|succeeded|done$/.test(e.type) ? s.green(e.type) : s.cyan(e.type);
    const linked = e.linked ? s.dim(` [${e.stream}]`) : '';
    const prefixWidth = 9 + seq.length + e.type.length + (e.linked ? e.stream.length + 3 : 0) + 2;
    return `${s.dim(timeOfDay())} ${s.dim(seq)}${linked} ${type}  ${oneLine(e.message, Math.max(20, this.columns - prefixWidth))}`;
  }

  /** The live line, cut to the terminal width before colouring (escape codes have no width). */
  private liveLine(): string {
    const s = this.style;
    const parts: [string, (t: string) => string][] = [
      [`${SPINNER[this.frame % SPINNER.length]} ${this.status}`, s.bold],
    ];
    if (this.replayed) parts.push(['replay', s.yellow]);
    if (this.iteration !== undefined) parts.push([`iter ${this.iteration}${this.total !== undefined ? `/${this.total}` : ''}`, (t) => t]);
    const last = this.rewards[this.rewards.length - 1];
    if (last !== undefined) parts.push([`reward ${formatNumber(last)} ${sparkline(this.rewards, 20)}`, s.green]);
    parts.push([clock(Date.now() - this.startedAt), s.dim]);
    if (this.jobId) parts.push([this.jobId, s.dim]);
    const out: string[] = [];
    let width = 0;
    for (const [text, paint] of parts) {
      const add = (out.length ? 3 : 0) + text.length;
      if (width + add > this.columns - 1) break;
      width += add;
      out.push(paint(text));
    }
    return out.join(s.dim(' │ '));
  }

  private draw(): void {
    if (this.closed || this.jobId === '') return;
    this.frame++;
    this.out.write(`${CLEAR_LINE}${this.liveLine()}`);
    this.drawn = true;
  }

  /** Writes something above the live line, then puts the line back. */
  private above(write: () => void): void {
    if (this.drawn) this.out.write(CLEAR_LINE);
    this.drawn = false;
    write();
    this.draw();
  }

  private print(line: string): void {
    this.above(() => this.out.write(`${line}\n`));
  }

  final(sum: RunSummary): void {
    this.stopTicker();
    if (this.drawn) this.out.write(CLEAR_LINE);
    this.drawn = false;
    this.closed = true;
    const s = this.style;
    const ok = sum.outcome === 'succeeded';
    const mark = ok ? s.green('✔') : sum.outcome === 'failed' || sum.outcome === 'cancelled' ? s.red('✘') : s.yellow('!');
    const lines = ['', `${mark} ${s.bold(outcomeHeadline(sum, formatDuration(sum.durationMs)))}`];
    if (sum.fineTunedModel) lines.push(`  fine_tuned_model  ${s.cyan(sum.fineTunedModel)}`);
    for (const c of sum.checkpoints) lines.push(`  checkpoint        ${c}`);
    for (const m of headlineMetrics(sum.lastMetrics)) {
      lines.push(`  ${m.name.padEnd(17)} ${formatNumber(m.value)}${m.step !== undefined ? s.dim(` (step ${m.step})`) : ''}`);
    }
    if (this.rewards.length > 1) lines.push(`  reward trend      ${s.green(sparkline(this.rewards, 40))}`);
    lines.push(s.dim(`  ${sum.events} events, ${sum.metrics} metric points, status ${sum.status ?? 'unknown'}`));
    for (const a of sum.advice) lines.push(`  ${ok ? a : s.yellow(a)}`);
    this.out.write(`${lines.join('\n')}\n`);
  }

  private stopTicker(): void {
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  close(): void {
    this.stopTicker();
    if (this.drawn) this.out.write(`${CLEAR_LINE}`);
    this.drawn = false;
    this.closed = true;
  }
}
