import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { policyTokenizerFiles } from '../../scripts/gen-policy-tokenizer.ts';
import { ACTION_NAMES, CrafterEnv, textObservation } from '../../sim/crafter/index.ts';
import { parseObservation, promptText } from '../../src/policy/template.ts';
import { PolicyTokenizer } from '../../sim/policy/tokenizer.ts';

describe('policy tokenizer', () => {
  test('the committed fixture is what the generator writes', () => {
    for (const [name, text] of Object.entries(policyTokenizerFiles())) {
      expect(readFileSync(join('fixtures/policy-tokenizer', name), 'utf8')).toBe(text);
    }
  });

  test('loads through AutoTokenizer; every action is one token; control tokens exist', async () => {
    const tok = await PolicyTokenizer.load('fixtures/policy-tokenizer');
    expect(tok.actionIds.length).toBe(17);
    expect(new Set(tok.actionIds).size).toBe(17);
    for (let i = 0; i < ACTION_NAMES.length; i++) {
      expect(tok.encode(ACTION_NAMES[i] as string)).toEqual([tok.actionIds[i] as number]);
      expect(tok.actionName(tok.actionIds[i] as number)).toBe(ACTION_NAMES[i] as string);
    }
    expect(tok.encode('[BOS] facing east [SEP]')).toEqual([tok.bosId, tok.encode('facing')[0] as number, tok.encode('east')[0] as number, tok.sepId]);
    expect(tok.encode('zzzunknownword')).toEqual([tok.unkId]);
  });
});

describe('chat template', () => {
  const env = new CrafterEnv({ preset: 'micro', seed: 5, maxSteps: 50 });
  env.reset(5);
  const obs = textObservation(env, { format: 'synth', previousToolCalls: [] });

  test('parses the synth observation: facing, inventory, 49 map cells with the player at the centre', () => {
    const p = parseObservation(obs);
    expect(p).toBeDefined();
    expect(['north', 'south', 'east', 'west']).toContain(p?.facing as string);
    expect(p?.map.length).toBe(49);
    expect(p?.map[24]).toBe('player');
    expect(p?.inventory.find(([k]) => k === 'health')?.[1]).toBe(9);
  });

  test('reads only the last user message; the prompt encodes with no unknown tokens', async () => {
    const tok = await PolicyTokenizer.builtin();
    const text = promptText([
      { role: 'system', content: 'You are an AI agent playing Crafter. CRITICAL RULES …' },
      { role: 'user', content: 'an older observation' },
      { role: 'assistant', content: null },
      { role: 'user', content: obs },
    ]);
    expect(text.startsWith('[BOS] facing ')).toBe(true);
    expect(text.endsWith(' [SEP]')).toBe(true);
    const ids = tok.encode(text);
    expect(ids).not.toContain(tok.unkId);
    expect(ids.length).toBeLessThan(80);
    expect(ids.at(-1)).toBe(tok.sepId);
  });

  test('unknown formats fall back to the words of the message', () => {
    expect(promptText([{ role: 'user', content: 'Hello there, 42 trees!' }])).toBe('[BOS] observation hello there 4 2 trees [SEP]');
    expect(promptText([{ role: 'user', content: [{ type: 'text', text: 'multi part' }] }])).toBe('[BOS] observation multi part [SEP]');
  });
});
