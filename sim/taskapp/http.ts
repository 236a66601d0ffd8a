// Request parsing and error answers of the task app. Validation errors use the example app's shape
// (422 `{"status":"invalid","detail":[first 5 errors]}`, each error FastAPI-style with `loc`);
// task-app errors use the framework's `{"detail":{"error":{"code","message",…}}}` (docs/wire-contract.md §2.2).
import type { Context } from 'hono';
import type { z } from 'zod';
import { readRawJson, type Parsed } from '../backend/request.ts';

export interface FieldError {
  type: string;
  loc: (string | number)[];
  msg: string;
}

export function invalid(errors: readonly FieldError[]): Response {
  return Response.json({ status: 'invalid', detail: errors.slice(0, 5) }, { status: 422 });
}

/** zod issues as FastAPI errors, `loc` prefixed (e.g. ['body'] or ['body', 'env', 'config']). */
export function issuesToErrors(issues: readonly z.core.$ZodIssue[], prefix: (string | number)[] = ['body']): FieldError[] {
  return issues.map((i) => {
    const path = i.path.map((p) => (typeof p === 'number' ? p : String(p)));
    const loc = [...prefix, ...path];
    const where = loc.slice(1).join('.');
    return { type: i.code, loc, msg: where ? `${where}: ${i.message}` : i.message };
  });
}

export function taskError(status: number, code: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  return Response.json({ detail: { error: { code, message, ...extra } } }, { status, headers });
}

/** A JSON body (400/413 as the backend's readRawJson) validated with the example app's 422 shape. */
export async function readBody<T>(c: Context, schema: z.ZodType<T>, opts: { maxBytes?: number; allowEmpty?: boolean } = {}): Promise<Parsed<T>> {
  const raw = await readRawJson(c, opts);
  if (!raw.ok) return raw;
  const parsed = schema.safeParse(raw.data);
  if (!parsed.success) return { ok: false, response: invalid(issuesToErrors(parsed.error.issues)) };
  return { ok: true, data: parsed.data };
}
