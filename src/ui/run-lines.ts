// Off a terminal: one line per item in the reference client's style (run_rl_job.py, docs/wire-contract.md §3.7), so
// logs stay greppable: `event seq=… type=… msg=…`, `metric <name> step=… epoch=… value=…`.
// Notices and warnings go to stderr.
import { isReplayed } from '../client/stream/outcome.ts';
import type { StreamItem } from '../client/stream/types.ts';
import type { CheckResult } from '../client/taskapp.ts';
import { checkLine } from './check-report.ts';
import { formatDuration, formatNumber, oneLine } from './format.ts';
import { finalRecord, headlineMetrics, outcomeHeadline, type JobHeader, type RunRenderer, type RunSummary, type TextSink } from './run-model.ts';

export function eventLine(item: Extract<StreamItem, { kind: 'event' }>): string {
  const e = item.event;
  const seq = e.hasSeq ? String(e.seq) : '-';
  const job = e.linked ? ` job=${e.stream}` : '';
  return `event seq=${seq}${job} type=${e.type} msg=${oneLine(e.message)}`;
}

/** The reference's metric line; a replayed point ends with ` [replay]` (after the fields, so parsers of the prefix keep working). */
export function metricLine(item: Extract<StreamItem, { kind: 'metric' }>): string {
  const m = item.metric;
  return `metric ${m.name} step=${m.step ?? '-'} epoch=${m.epoch ?? '-'} value=${m.value}${isReplayed(m.data) ? ' [replay]' : ''}`;
}

export class LineRenderer implements RunRenderer {
  constructor(private readonly out: TextSink, private readonly err: TextSink) {}

  effectiveConfig(config: Record<string, unknown>): void {
    this.out.write(`Effective config: ${JSON.stringify(config)}\n`);
  }

  warning(message: string): void {
    this.err.write(`warning: ${message}\n`);
  }

  checks(results: readonly CheckResult[]): void {
    for (const r of results) this.out.write(`${checkLine(r)}\n`);
  }

  step(name: string, message: string): void {
    this.out.write(`${name}: ${message}\n`);
  }

  job(h: JobHeader): void {
    if (h.created) {
      const how = [h.httpStatus !== undefined ? `HTTP ${h.httpStatus}` : '', h.idempotencyKey ? `Idempotency-Key ${h.idempotencyKey}` : ''].filter(Boolean).join(', ');
      this.out.write(`Created job: ${h.jobId}${how ? ` (${how})` : ''}\n`);
      return;
    }
    this.out.write(`Attached to existing job: ${h.jobId}${h.status ? ` (status ${h.status})` : ''}\n`);
  }

  item(item: StreamItem): void {
    switch (item.kind) {
      case 'event':
        return this.out.write(`${eventLine(item)}\n`);
      case 'metric':
        return this.out.write(`${metricLine(item)}\n`);
      case 'status':
        return this.out.write(`event seq=- type=job.status msg=${item.status}\n`);
      case 'linked':
        return this.out.write(`linked_job_id ${item.jobId}: following its events too\n`);
      case 'progress':
        return;
      case 'notice':
        return this.err.write(`${item.level === 'warning' ? 'warning' : 'note'}: ${item.message}\n`);
    }
  }

  final(s: RunSummary): void {
    const lines = [outcomeHeadline(s, formatDuration(s.durationMs))];
    if (s.fineTunedModel) lines.push(`  fine_tuned_model: ${s.fineTunedModel}`);
    for (const c of s.checkpoints) lines.push(`  checkpoint: ${c}`);
    const metrics = headlineMetrics(s.lastMetrics);
    if (metrics.length > 0) lines.push(`  last metrics: ${metrics.map((m) => `${m.name}=${formatNumber(m.value)}${m.step !== undefined ? ` (step ${m.step})` : ''}`).join(', ')}`);
    for (const a of s.advice) lines.push(`  ${a}`);
    lines.push(`Final: ${JSON.stringify(finalRecord(s))}`);
    this.out.write(`${lines.join('\n')}\n`);
  }

  close(): void {}
}
