// Request parsing and error answers of the task app. Validation errors use the example app's shape
// (422 `{"status":"invalid","detail":[first 5 errors]}`, each error FastAPI-style with `loc`);
// task-app errors use the framework's `{"detail":{"error":{"code","message",…}}}` (§2.2).
import type { Context } from 'hono';
import type { z } from 'zod';
import { detail, MAX_BODY_BYTES, type Parsed } from '../backend/request.ts';

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

/**
 * Reads a JSON body (400 empty/malformed, 413 oversized) and validates it (422 naming fields);
 * `allowEmpty` reads an empty body as {}.
 */
export async function readBody<T>(c: Context, schema: z.ZodType<T>, opts: { maxBytes?: number; allowEmpty?: boolean } = {}): Promise<Parsed<T>> {
  const maxBytes = opts.maxBytes ?? MAX_BODY_BYTES;
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > maxBytes) return { ok: false, response: detail(413, `request body too large (${declared} bytes; limit ${maxBytes})`) };
  let text: string;
  try {
    text = await c.req.text();
  } catch {
    return { ok: false, response: detail(400, 'could not read the request body') };
  }
  if (text.length > maxBytes) return { ok: false, response: detail(413, `request body too large (limit ${maxBytes} bytes)`) };
  if (text.trim() === '' && opts.allowEmpty === true) text = '{}';
  if (text.trim() === '') return { ok: false, response: detail(400, 'request body is empty; expected a JSON object') };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, response: detail(400, `request body is not valid JSON: ${(e as Error).message}`) };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { ok: false, response: invalid(issuesToErrors(parsed.error.issues)) };
  return { ok: true, data: parsed.data };
}
