// --json: one JSON object per line on stdout, `kind` first, so a pipeline can `jq` the stream.
// Human notes still go to stderr as JSON lines of kind "notice".
import type { StreamItem } from '../client/stream.ts';
import type { CheckResult } from '../client/taskapp.ts';
import { finalRecord, type JobHeader, type RunRenderer, type RunSummary, type TextSink } from './run-model.ts';

export class JsonRenderer implements RunRenderer {
  constructor(private readonly out: TextSink, private readonly err: TextSink) {}

  private line(record: Record<string, unknown>): void {
    this.out.write(`${JSON.stringify(record)}\n`);
  }

  effectiveConfig(config: Record<string, unknown>): void {
    this.line({ kind: 'config', effective: config });
  }

  warning(message: string): void {
    this.err.write(`${JSON.stringify({ kind: 'notice', level: 'warning', message })}\n`);
  }

  checks(results: readonly CheckResult[]): void {
    for (const r of results) this.line({ kind: 'check', ...r });
  }

  step(name: string, message: string, data: Record<string, unknown> = {}): void {
    this.line({ kind: 'step', name, message, ...data });
  }

  job(h: JobHeader): void {
    this.line({
      kind: 'job', job_id: h.jobId, created: h.created, backend: h.backend,
      ...(h.httpStatus !== undefined && { http_status: h.httpStatus }),
      ...(h.idempotencyKey !== undefined && { idempotency_key: h.idempotencyKey }),
      ...(h.status !== undefined && { status: h.status }),
    });
  }

  item(item: StreamItem): void {
    switch (item.kind) {
      case 'event': {
        const { stream, linked, via, hasSeq, ...event } = item.event;
        return this.line({ kind: 'event', stream, linked, via, ...event, seq: hasSeq ? event.seq : null });
      }
      case 'metric':
        return this.line({ kind: 'metric', ...item.metric });
      case 'status':
        return this.line({ kind: 'status', status: item.status, previous: item.previous ?? null, job_id: item.job.job_id });
      case 'progress':
        return this.line({ kind: 'progress', iteration: item.iteration, total: item.total ?? null, epoch: item.epoch ?? null });
      case 'linked':
        return this.line({ kind: 'linked', job_id: item.jobId });
      case 'notice':
        return this.err.write(`${JSON.stringify({ kind: 'notice', level: item.level, message: item.message })}\n`);
    }
  }

  final(s: RunSummary): void {
    this.line({ kind: 'final', ...finalRecord(s), advice: s.advice, reattach: s.reattach });
  }

  close(): void {}
}
