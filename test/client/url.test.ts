import { describe, expect, test } from 'bun:test';
import { apiBase, backendRoot, joinUrl, withQuery } from '../../src/client/url.ts';

describe('apiBase (docs/wire-contract.md §2.1)', () => {
  test.each([
    ['https://agent-learning.onrender.com', 'https://agent-learning.onrender.com/api'],
    ['https://agent-learning.onrender.com/', 'https://agent-learning.onrender.com/api'],
    ['https://agent-learning.onrender.com/api', 'https://agent-learning.onrender.com/api'],
    ['https://agent-learning.onrender.com/api/', 'https://agent-learning.onrender.com/api'],
    ['https://agent-learning.onrender.com/api//', 'https://agent-learning.onrender.com/api'],
    ['https://backend.synth.ai/api/v1', 'https://backend.synth.ai/api'],
    ['https://backend.synth.ai/v1/', 'https://backend.synth.ai/api'],
    ['http://127.0.0.1:8787', 'http://127.0.0.1:8787/api'],
    ['  http://127.0.0.1:8787/api  ', 'http://127.0.0.1:8787/api'],
    ['https://proxy.example/prefix', 'https://proxy.example/prefix/api'],
    ['https://example.com/apis', 'https://example.com/apis/api'],
  ])('%s -> %s', (input, expected) => {
    expect(apiBase(input)).toBe(expected);
  });

  test('backendRoot drops /api', () => {
    expect(backendRoot('https://h.example/api/')).toBe('https://h.example');
    expect(backendRoot('https://h.example')).toBe('https://h.example');
  });
});

describe('joinUrl never produces /api/api', () => {
  test.each([
    ['https://h/api', '/rl/jobs', 'https://h/api/rl/jobs'],
    ['https://h/api', 'rl/jobs', 'https://h/api/rl/jobs'],
    ['https://h/api/', '/api/rl/jobs', 'https://h/api/rl/jobs'],
    ['https://h/api', '/api', 'https://h/api'],
    ['https://h/api', '/api?x=1', 'https://h/api?x=1'],
    ['https://h/api', '/apis/x', 'https://h/api/apis/x'],
    ['https://h', '/api/v1/chat/completions', 'https://h/api/v1/chat/completions'],
    ['https://h/api', 'https://other/x', 'https://other/x'],
    ['https://h/api', 'HTTP://Other/x', 'HTTP://Other/x'],
  ])('%s + %s -> %s', (base, path, expected) => {
    expect(joinUrl(base, path)).toBe(expected);
  });

  test('every route of the contract resolves to exactly one /api from either base form', () => {
    for (const base of ['https://h', 'https://h/', 'https://h/api', 'https://h/api/']) {
      for (const path of ['/rl/jobs', '/api/rl/jobs', 'v1/env-keys', '/api/v1/crypto/public-key']) {
        const url = joinUrl(apiBase(base), path);
        expect(url.match(/\/api\//g)?.length).toBe(1);
        expect(url.startsWith('https://h/api/')).toBe(true);
      }
    }
  });
});

test('withQuery skips undefined and appends to existing queries', () => {
  expect(withQuery('http://h/x', { since_seq: 0, limit: undefined, a: true })).toBe('http://h/x?since_seq=0&a=true');
  expect(withQuery('http://h/x?y=1', { z: 'a b' })).toBe('http://h/x?y=1&z=a+b');
  expect(withQuery('http://h/x', {})).toBe('http://h/x');
});
