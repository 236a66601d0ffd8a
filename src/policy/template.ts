// The policy model's chat template: which parts of an OpenAI chat request the small model reads.
//
// From the LAST user message only, in the synth task app's observation format (docs/wire-contract.md §4.7):
//   [BOS] facing <north|south|east|west> inventory <item> <count> … map <49 cells, row by row> [SEP]
// Everything else — the system prompt, tool schemas, position, step count, achievement lists,
// previous tool calls — is ignored: the 7×7 map around the player, what it faces and what it
// carries are what decide the next action, and a ~70-token prompt keeps a CPU model fast.
// Messages in another format fall back to `[BOS] observation <words of the message> [SEP]`, with
// unknown words as [UNK], so any task app that honours the contract still gets answers.
// The completion the model writes is 1..max action tokens followed by [END].
import type { ChatMessage } from '../api/chat.ts';
import { BOS, SEP } from './tokens.ts';

export interface ParsedObservation {
  facing: string;
  inventory: [string, number][];
  map: string[];
}

const FACING = /direction:\s*\S*\s*(north|south|east|west)/i;
const INVENTORY = /^inventory:\s*(.*)$/m;
const MAP_HEADER = /Local Map View \(7x7\):\s*\n/;

export function messageText(m: ChatMessage): string {
  if (typeof m.content === 'string') return m.content;
  if (!Array.isArray(m.content)) return '';
  return m.content
    .map((part) => (part !== null && typeof part === 'object' && 'text' in part && typeof (part as { text: unknown }).text === 'string' ? (part as { text: string }).text : ''))
    .join('\n');
}

export function parseObservation(text: string): ParsedObservation | undefined {
  const facing = FACING.exec(text)?.[1]?.toLowerCase();
  const header = MAP_HEADER.exec(text);
  if (facing === undefined || header === null) return undefined;
  const rows = text.slice(header.index + header[0].length).split('\n').slice(0, 7);
  const map = rows.flatMap((r) => r.trim().split(/\s+/));
  if (rows.length !== 7 || map.length !== 49) return undefined;
  const inventory: [string, number][] = [];
  for (const pair of (INVENTORY.exec(text)?.[1] ?? '').split(',')) {
    const m = /^\s*([a-z_]+):\s*(\d+)\s*$/i.exec(pair);
    if (m) inventory.push([(m[1] as string).toLowerCase(), Math.min(9, Number.parseInt(m[2] as string, 10))]);
  }
  return { facing, inventory, map: map.map((c) => c.toLowerCase()) };
}

/** The prompt text the tokenizer encodes, built from the request's messages. */
export function promptText(messages: readonly ChatMessage[]): string {
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const text = lastUser === undefined ? '' : messageText(lastUser);
  const obs = parseObservation(text);
  if (obs === undefined) {
    const words = text.toLowerCase().match(/[a-z_]+|\d/g) ?? [];
    return `${BOS} observation ${words.slice(0, 160).join(' ')} ${SEP}`;
  }
  const inv = obs.inventory.filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(' ');
  return `${BOS} facing ${obs.facing} inventory ${inv} map ${obs.map.join(' ')} ${SEP}`;
}
