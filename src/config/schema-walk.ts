// Walks the config schema alongside parsed TOML: unknown keys (warnings, not errors: the real
// backend may accept keys we have not seen) and the schema node behind an error path.
import { z } from 'zod';
import { closest } from '../cli/suggest.ts';

export interface UnknownKey {
  readonly path: string[];
  readonly suggestion?: string;
}

/** The object shape a schema describes, looking through optional/nullable/default and unions. */
function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) return objectShape(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodDefault) return objectShape(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodObject) return schema.shape as Record<string, z.ZodType>;
  if (schema instanceof z.ZodUnion) {
    for (const option of schema.options as readonly z.ZodType[]) {
      const shape = objectShape(option);
      if (shape !== undefined) return shape;
    }
  }
  return undefined;
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

export function findUnknownKeys(data: unknown, schema: z.ZodType, path: string[] = []): UnknownKey[] {
  const shape = objectShape(schema);
  if (shape === undefined || !isTable(data)) return [];
  const known = Object.keys(shape);
  const found: UnknownKey[] = [];
  for (const [key, value] of Object.entries(data)) {
    const child = shape[key];
    if (child === undefined) {
      const suggestion = closest(key, known);
      found.push({ path: [...path, key], ...(suggestion !== undefined && { suggestion }) });
      continue;
    }
    found.push(...findUnknownKeys(value, child, [...path, key]));
  }
  return found;
}

/** The schema node at `path`, or undefined when the path leaves the known schema. */
export function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let cur: z.ZodType | undefined = schema;
  for (const key of path) {
    if (cur instanceof z.ZodOptional) cur = cur.unwrap() as z.ZodType;
    if (typeof key === 'number' && cur instanceof z.ZodArray) {
      cur = cur.element as z.ZodType;
      continue;
    }
    const shape: Record<string, z.ZodType> | undefined = cur === undefined ? undefined : objectShape(cur);
    cur = shape?.[String(key)];
  }
  if (cur instanceof z.ZodOptional) return cur.unwrap() as z.ZodType;
  return cur;
}

/** Whether the schema node is an integer (zod reports integers as "number" in type errors). */
export function isIntSchema(schema: z.ZodType | undefined): boolean {
  return schema instanceof z.ZodNumber && schema.format === 'safeint';
}
