// Turns zod issues into messages that say what was expected and what the file holds.
import type { z } from 'zod';
import { isIntSchema, schemaAt } from './schema-walk.ts';

const EXPECTED: Record<string, string> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  array: 'an array',
  object: 'a table',
  record: 'a table',
};

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur = data;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

/** `string "8"`, `number 1.5`, `a table`, `an array`, … */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return `a date (${v.toISOString()})`;
  if (typeof v === 'object' && v !== null) return 'a table';
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

export function formatIssue(issue: z.core.$ZodIssue, data: unknown, root: z.ZodType): string {
  const got = describeValue(valueAt(data, issue.path));
  switch (issue.code) {
    case 'invalid_type': {
      const expected = issue.expected === 'number' && isIntSchema(schemaAt(root, issue.path)) ? 'int' : issue.expected;
      return `expected ${EXPECTED[expected] ?? expected}, got ${got}`;
    }
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${got}`;
    case 'invalid_union':
      return `expected a string or a table, got ${got}`;
    default:
      return `${issue.message} (got ${got})`;
  }
}
