// Picks the renderer for `run` and `train`: the live display on a terminal, plain lines
// elsewhere, JSON lines with --json.
import { JsonRenderer } from './run-json.ts';
import { LineRenderer } from './run-lines.ts';
import { LiveRenderer } from './run-live.ts';
import type { RunRenderer, TextSink } from './run-model.ts';
import { colorEnabled, createStyle } from './style.ts';

export type { JobHeader, RunRenderer, RunSummary, TextSink } from './run-model.ts';

export interface RendererOptions {
  out: TextSink;
  err: TextSink;
  isTTY: boolean;
  json: boolean;
  env: Readonly<Record<string, string | undefined>>;
  columns?: number;
}

export function createRunRenderer(opts: RendererOptions): RunRenderer {
  if (opts.json) return new JsonRenderer(opts.out, opts.err);
  const style = createStyle(colorEnabled(opts.isTTY, opts.env));
  if (opts.isTTY) return new LiveRenderer(opts.out, opts.err, style, opts.columns ?? 100);
  return new LineRenderer(opts.out, opts.err);
}

