// Request parsing that never throws: malformed JSON, oversized bodies and schema violations
// become FastAPI-style 4xx answers with a `detail` that names the field.
import type { Context } from 'hono';
import type { z } from 'zod';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from '../../src/api/limits.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

export type Parsed<T> = { ok: true; data: T } | { ok: false; response: Response };

export function detail(status: number, message: unknown, headers: Record<string, string> = {}): Response {
  return Response.json({ detail: message }, { status, headers });
}

/** FastAPI's 422 shape: detail = [{type, loc, msg}], loc starting with "body". */
export function validationError(issues: readonly z.core.$ZodIssue[]): Response {
  return Response.json({
    detail: issues.map((i) => ({
      type: i.code,
      loc: ['body', ...i.path.map((p) => (typeof p === 'number' ? p : String(p)))],
      msg: i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message,
    })),
  }, { status: 422 });
}

/**
 * Reads a JSON body: 413 when oversized, 400 when empty or malformed (`allowEmpty` reads an empty
 * body as {}). Validation is the caller's, so each server answers 422 in its own shape.
 */
export async function readRawJson(c: Context, opts: { maxBytes?: number; allowEmpty?: boolean } = {}): Promise<Parsed<unknown>> {
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
  // Bounded before parsing: deep bodies would overflow the stack of whatever walks them next.
  if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) {
    return { ok: false, response: detail(422, `request body nests arrays/objects deeper than ${MAX_JSON_DEPTH} levels (limit, see README "Limits")`) };
  }
  try {
    return { ok: true, data: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, response: detail(400, `request body is not valid JSON: ${(e as Error).message}`) };
  }
}

/** readRawJson + schema validation answering FastAPI's 422. */
export async function readJson<T>(c: Context, schema: z.ZodType<T>): Promise<Parsed<T>> {
  const raw = await readRawJson(c);
  if (!raw.ok) return raw;
  const parsed = schema.safeParse(raw.data);
  if (!parsed.success) return { ok: false, response: validationError(parsed.error.issues) };
  return { ok: true, data: parsed.data };
}

/** An integer query parameter with bounds; `fallback` when absent; an error Response when malformed. */
export function intQuery(c: Context, name: string, fallback: number, min: number, max: number): number | Response {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) return detail(422, `query parameter ${name} must be an integer, got ${JSON.stringify(raw)}`);
  const n = Number.parseInt(raw, 10);
  if (n < min || n > max) return detail(422, `query parameter ${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}
