// `synth-rl infer`: chat with an RL-trained checkpoint. With --weights (or RL_WEIGHTS_PATH) naming a
// local .tar.gz it runs offline through transformers.js; otherwise it goes through the backend:
// find the weights, promote, ensure, POST /api/v1/chat/completions.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import sampleObservation from '../../../fixtures/taskapp/crafter-micro-seed7-decision1.user.txt' with { type: 'text' };
import type { CommandContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { describeSource, loadConfig } from '../../config/load.ts';
import { SynthClient } from '../../client/api-client.ts';
import { BackendError } from '../../client/api-errors.ts';
import { baseModelHint, INTERACT_TOOL, readAnswer, resolveWeights, type ChatAnswer } from '../../client/infer.ts';
import { CheckpointError, CheckpointRunner, openCheckpoint } from '../../runtime/checkpoint.ts';

const SYSTEM = 'You are an AI agent playing Crafter. Choose the next actions with the interact tool.';

interface Outcome {
  mode: 'offline' | 'backend';
  model: string;
  weights: string | undefined;
  answer: ChatAnswer;
  checkpoint?: Record<string, unknown>;
  notes: string[];
}

function print(ctx: CommandContext, o: Outcome, prompt: string): void {
  if (ctx.args.flags.get('json') === true) {
    ctx.out.write(`${JSON.stringify({ mode: o.mode, model: o.model, weights: o.weights ?? null, content: o.answer.content, tool_calls: o.answer.toolCalls, checkpoint: o.checkpoint ?? null, notes: o.notes })}\n`);
    return;
  }
  const lines = [`Model:     ${o.model} (${o.mode === 'offline' ? `offline, ${o.weights}` : 'via the backend'})`];
  if (o.checkpoint) {
    const c = o.checkpoint;
    lines.push(`Checkpoint: ${String(c.job_id ?? '?')} epoch ${String(c.epoch ?? '?')}, iteration ${String(c.iteration ?? '?')}: ${String(c.simulated_model ?? 'model')} standing in for ${String(c.base_model ?? '?')}`);
  }
  lines.push(`Prompt:    ${prompt.split('\n').slice(0, 2).join(' / ').slice(0, 100)}…`);
  for (const n of o.notes) lines.push(`Note:      ${n}`);
  lines.push(`Assistant: ${o.answer.content ?? '(no text; answered with a tool call)'}`);
  for (const c of o.answer.toolCalls) lines.push(`Tool call: ${c.name}(${c.arguments})`);
  ctx.out.write(`${lines.join('\n')}\n`);
}

async function offline(path: string, prompt: string, temperature: number | undefined): Promise<Outcome> {
  let opened;
  try {
    opened = await openCheckpoint(path);
  } catch (e) {
    if (e instanceof CheckpointError) throw new UsageError(e.message);
    throw e;
  }
  try {
    const runner = await CheckpointRunner.load(opened.dir).catch((e: unknown) => {
      throw e instanceof CheckpointError ? new UsageError(`checkpoint ${path}: ${e.message}`) : e;
    });
    const reply = await runner.chat([{ role: 'user', content: prompt }], { ...(temperature !== undefined && { temperature }) });
    await runner.dispose();
    const info = opened.info;
    const model = info.job_id && info.base_model ? `rl:${info.base_model.replaceAll('/', '-')}:${info.job_id}:checkpoint-epoch-${info.epoch ?? 1}` : path;
    return {
      mode: 'offline', model, weights: path, checkpoint: { ...info },
      answer: { content: null, toolCalls: [{ name: 'interact', arguments: JSON.stringify({ actions: reply.actions, reasoning: `${temperature ? `sampled at temperature ${temperature}` : 'greedy'} from the checkpoint, offline` }) }], raw: reply },
      notes: [],
    };
  } finally {
    opened.close();
  }
}

export async function run(ctx: CommandContext): Promise<number> {
  const cfg = loadConfig({ flags: ctx.args.flags, env: ctx.env, cwd: ctx.cwd });
  const promptFlag = ctx.args.flags.get('prompt');
  const prompt = typeof promptFlag === 'string' && promptFlag.trim() !== '' ? promptFlag : sampleObservation;
  const temperatureFlag = ctx.args.flags.get('temperature');
  const temperature = typeof temperatureFlag === 'number' ? temperatureFlag : undefined;
  const weights = cfg.string('rl_weights_path');
  // A local file, or something that reads like a local tarball path (so a missing one is reported
  // as such); a storage key (models/…) goes to the backend as the weights path to promote.
  const looksLocal = (w: string) => existsSync(resolve(ctx.cwd, w)) || (/\.(tar\.gz|tgz)$/.test(w) && !w.startsWith('models/'));
  if (weights !== undefined && looksLocal(weights)) {
    print(ctx, await offline(resolve(ctx.cwd, weights), prompt, temperature), prompt);
    return EXIT.ok;
  }
  const model = cfg.string('model') as string;
  // The config file's model is the base model a job trains, not a checkpoint to chat with.
  const modelSource = cfg.entry('model').source.kind;
  if (modelSource === 'default' || (modelSource === 'file' && !model.startsWith('rl:'))) {
    throw new UsageError('infer needs --model rl:<base>:<job_id>:checkpoint-epoch-N (or --weights PATH.tar.gz to run a checkpoint offline)');
  }
  const backendUrl = cfg.require('backend_url') as string;
  const apiKey = cfg.require('api_key') as string;
  const client = new SynthClient({ backendUrl, apiKey, timeoutMs: (cfg.number('timeout') ?? 600) * 1000 });
  const notes: string[] = [];
  let weightsPath: string | undefined;
  try {
    if (model.startsWith('rl:')) {
      const found = await resolveWeights(client, model, weights);
      weightsPath = found.weightsPath;
      notes.push(`weights ${weightsPath ?? '(unknown)'} from ${found.source}${weights ? ` (${describeSource(cfg.entry('rl_weights_path').source)})` : ''}`);
      const base = baseModelHint(model);
      await client.promoteModel({
        base_model: base, job_id: model.split(':')[2], weights_path: weightsPath, tokenizer_path: null, dtype: 'bfloat16', model_id: model, create_latest_alias: true,
      }).catch((e: unknown) => notes.push(`promote failed (continuing): ${(e as Error).message}`));
      const ensured = await client.ensureModel({ model_id: model, prefer_merged: true, verbose: true, ...(base && { base_model: base }), ...(weightsPath && { weights_path: weightsPath }) })
        .catch((e: unknown) => void notes.push(`ensure-on-modal failed (continuing): ${(e as Error).message}`));
      if (ensured && typeof ensured === 'object') notes.push(`ensured: ${JSON.stringify(ensured)}`);
    }
    const body = await client.chatCompletion({
      model,
      messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: prompt }],
      tools: [INTERACT_TOOL],
      tool_choice: { type: 'function', function: { name: 'interact' } },
      max_tokens: 64,
      temperature: temperature ?? 0,
      stream: false,
    });
    print(ctx, { mode: 'backend', model, weights: weightsPath, answer: readAnswer(body), notes }, prompt);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof BackendError) {
      ctx.err.write(`synth-rl infer: ${error.message}\n`);
      return EXIT.failure;
    }
    throw error;
  }
}
