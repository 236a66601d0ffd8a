// The usage block of a chat completion: policies with a tokenizer (a training job's policy, an RL
// checkpoint) count the token ids their model read and wrote; only the tokenizer-less baselines
// estimate.
import { beforeAll, describe, expect, test } from 'bun:test';
import type { ChatCompletionRequest } from '../../../src/api/chat.ts';
import { promptText } from '../../../src/policy/template.ts';
import { CheckpointPolicy } from '../../../sim/inference/checkpoint-policy.ts';
import { RandomPolicy } from '../../../sim/inference/index.ts';
import type { SampleRequest, SampleResult } from '../../../sim/model/device.ts';
import { PolicyTokenizer } from '../../../sim/policy/tokenizer.ts';
import type { PolicyEngine } from '../../../sim/trainer/engine.ts';
import { JobPolicy } from '../../../sim/trainer/job-policy.ts';

const OBSERVATION = 'You see grass and a tree. Inventory: wood 2. Facing tree.';
const request = (): ChatCompletionRequest => ({
  model: 'rl:test',
  messages: [{ role: 'system', content: 'You play Crafter.' }, { role: 'user', content: OBSERVATION }],
});

let tok: PolicyTokenizer;
beforeAll(async () => {
  tok = await PolicyTokenizer.load('fixtures/policy-tokenizer');
});

/** An engine that always writes the same completion ids and records what it was asked. */
function fixedEngine(completion: () => number[], seen: SampleRequest[]): PolicyEngine {
  const unused = () => Promise.reject(new Error('not used in this test'));
  return {
    init: unused, train: unused, export: unused, close: () => {},
    async sample(reqs: SampleRequest[]): Promise<SampleResult[]> {
      seen.push(...reqs);
      return reqs.map(() => {
        const ids = completion();
        return { completion: ids, logprobs: ids.map(() => -0.5), sampled: ids.map(() => true) };
      });
    },
  };
}

describe('usage counts real token ids', () => {
  test("a training job's policy: prompt ids fed to the model, completion ids it wrote ([END] included)", async () => {
    const moveLeft = tok.actionIds[1] as number;
    const doId = tok.actionIds[5] as number;
    const seen: SampleRequest[] = [];
    const policy = new JobPolicy('rl:test', fixedEngine(() => [moveLeft, doId, tok.endId], seen), tok, {
      seed: 1, temperature: 1, topP: 1, maxActions: 4, maxSeqLen: 256, standsInFor: 'Qwen/Qwen3-0.6B',
    });
    const answer = await policy.complete(request(), { traceId: 'trace-1' });
    const promptIds = tok.encode(promptText(request().messages));
    // The known prompt: [BOS] "observation", 11 words ("2" is one) and [SEP]: one token each.
    expect(promptIds.length).toBe(14);
    expect(seen[0]?.prompt).toEqual(promptIds);
    expect(answer.usage).toEqual({ prompt_tokens: 14, completion_tokens: 3, total_tokens: 17 });
  });

  test('an RL checkpoint: the counts of the runner that generated the answer', async () => {
    const runner = {
      chat: async () => ({ actions: ['move_left', 'do'], tokens: ['move_left', 'do', '[END]'], promptTokens: 42 }),
    };
    const policy = new CheckpointPolicy('rl:test:job:checkpoint-epoch-1', runner, {});
    const answer = await policy.complete(request());
    expect(answer.usage).toEqual({ prompt_tokens: 42, completion_tokens: 3, total_tokens: 45 });
  });

  test('a baseline without a tokenizer still answers with an (estimated) usage block', async () => {
    const answer = await new RandomPolicy().complete(request());
    expect(answer.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(answer.usage?.completion_tokens).toBeGreaterThan(0);
  });
});
