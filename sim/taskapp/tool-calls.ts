// Reading the model's answer (docs/wire-contract.md §4.6 `parse_response_to_tool_calls`): tool calls
// from choices[0].message.tool_calls, each with a non-empty function.name and a string
// function.arguments that parses to a JSON object. Every violation is a value, never a throw, so a
// malformed answer ends the rollout with a recorded reason instead of a 500.
import { actionIndex, ACTION_NAMES } from '../crafter/index.ts';
import type { RecordedToolCall } from '../../src/api/taskapp.ts';

export type ParsedAnswer =
  | { ok: true; calls: RecordedToolCall[]; logprobs: unknown; usage: unknown }
  | { ok: false; error: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function parseToolCalls(resp: unknown): ParsedAnswer {
  if (!isRecord(resp)) return { ok: false, error: 'response is not a JSON object' };
  const choices = resp.choices;
  if (!Array.isArray(choices) || choices.length === 0) return { ok: false, error: 'response contains no choices' };
  const choice = choices[0];
  if (!isRecord(choice)) return { ok: false, error: 'choices[0] is not an object' };
  const msg = choice.message ?? {};
  if (!isRecord(msg)) return { ok: false, error: 'choices[0].message is not an object' };
  const tcs = msg.tool_calls ?? [];
  if (!Array.isArray(tcs)) return { ok: false, error: 'choices[0].message.tool_calls is not a list' };
  const calls: RecordedToolCall[] = [];
  for (let i = 0; i < tcs.length; i++) {
    const tc: unknown = tcs[i];
    if (!isRecord(tc)) return { ok: false, error: `tool call ${i} is not an object` };
    const fn = tc.function;
    if (!isRecord(fn)) return { ok: false, error: `tool call ${i} has no 'function' object` };
    const name = fn.name;
    if (typeof name !== 'string' || name.trim() === '') return { ok: false, error: `tool call ${i}: function.name must be a non-empty string` };
    const args = fn.arguments;
    if (typeof args !== 'string') return { ok: false, error: `tool call ${i} (${name}): function.arguments must be a JSON string` };
    let parsed: unknown;
    try {
      parsed = JSON.parse(args);
    } catch (e) {
      return { ok: false, error: `tool call ${i} (${name}): arguments are not valid JSON: ${(e as Error).message}` };
    }
    if (!isRecord(parsed)) return { ok: false, error: `tool call ${i} (${name}): arguments must be a JSON object` };
    calls.push({ tool_name: name, arguments: args });
  }
  return { ok: true, calls, logprobs: choice.logprobs ?? null, usage: resp.usage ?? null };
}

export type Decision =
  | { kind: 'interact'; actions: number[]; names: string[]; reasoning: string }
  | { kind: 'terminate'; reason: string };

/** What a recorded call asks for; unknown tools, unknown actions and bad shapes are errors. */
export function interpretCall(call: RecordedToolCall): { ok: true; decision: Decision } | { ok: false; error: string } {
  const args = JSON.parse(call.arguments as string) as Record<string, unknown>;
  if (call.tool_name === 'terminate') {
    return { ok: true, decision: { kind: 'terminate', reason: typeof args.reason === 'string' ? args.reason : '' } };
  }
  if (call.tool_name !== 'interact') {
    return { ok: false, error: `unknown tool ${JSON.stringify(call.tool_name)}; this task app offers interact and terminate` };
  }
  const list = args.actions;
  if (!Array.isArray(list)) return { ok: false, error: 'interact: arguments.actions must be a list of action names' };
  if (list.length === 0) return { ok: false, error: 'interact: arguments.actions is empty' };
  const actions: number[] = [];
  const names: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const a: unknown = list[i];
    const index = typeof a === 'string' ? actionIndex(a) : typeof a === 'number' && Number.isInteger(a) && a >= 0 && a < ACTION_NAMES.length ? a : -1;
    if (index < 0) {
      return { ok: false, error: `interact: unknown action ${JSON.stringify(a)} at actions[${i}]; valid: ${ACTION_NAMES.join(', ')}` };
    }
    actions.push(index);
    names.push(ACTION_NAMES[index] as string);
  }
  return { ok: true, decision: { kind: 'interact', actions, names, reasoning: typeof args.reasoning === 'string' ? args.reasoning : '' } };
}

/**
 * Actions read from free text when a vendor ignores the tools (the SDK proxy's fallback): a JSON
 * object with `actions`, an "Actions: a, b" line, or "Action 1: a" lines. Unknown names are dropped.
 */
export function actionsFromText(text: string): string[] {
  const known = (names: unknown[]) => names.filter((n): n is string => typeof n === 'string' && actionIndex(n) >= 0).map((n) => ACTION_NAMES[actionIndex(n)] as string);
  const json = /\{[\s\S]*\}/.exec(text);
  if (json) {
    try {
      const obj: unknown = JSON.parse(json[0]);
      if (isRecord(obj) && Array.isArray(obj.actions)) {
        const found = known(obj.actions);
        if (found.length > 0) return found;
      }
    } catch {
      // not JSON after all; try the line forms
    }
  }
  const line = /actions?\s*:\s*([^\n]+)/i.exec(text);
  const numbered = [...text.matchAll(/action\s*\d+\s*:\s*([a-z_]+)/gi)].map((m) => m[1] as string);
  if (numbered.length > 0) return known(numbered);
  if (line) return known((line[1] as string).split(/[,\s]+/).map((s) => s.replace(/[^a-z_]/gi, '')));
  return [];
}
