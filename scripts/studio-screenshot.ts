#!/usr/bin/env bun
// Takes the README's screenshot of the Studio's job page: a simulator in this process, one GRPO
// job on the micro Crafter grid, headless Chromium (Debian `chromium`) on the job page once it is
// done. Usage: bun run scripts/studio-screenshot.ts [out.png] (default docs/images/studio-job.png).
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { startSimulator } from '../sim/server.ts';
import { decodeBase64Strict, encodeBase64, seal } from '../src/crypto/sealedbox.ts';

const out = resolve(process.argv[2] ?? resolve(import.meta.dir, '../docs/images/studio-job.png'));
const key = 'sk-screenshot';
const sim = await startSimulator({ port: 0, taskApp: { port: 0 }, apiKeys: [key], defaultTrainer: 'grpo', queueDelayMs: 10 });
const api = async <T>(path: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${sim.url}/api${path}`, {
    method: body === undefined ? 'GET' : 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return (await res.json()) as T;
};
try {
  const { public_key } = await api<{ public_key: string }>('/v1/crypto/public-key');
  const envKey = sim.taskApp?.taskApp.environmentApiKey as string;
  await api('/v1/env-keys', { name: 'ENVIRONMENT_API_KEY', ciphertext_b64: encodeBase64(seal(new TextEncoder().encode(envKey), decodeBase64Strict(public_key) as Uint8Array)) });
  const config = {
    training: { num_epochs: 1, iterations_per_epoch: 12 }, trainer: { batch_size: 4, group_size: 8 }, env: { max_steps_per_episode: 10 },
    evaluation: { seeds: Array.from({ length: 16 }, (_, i) => i), rollouts_per_seed: 1, every_n_iters: 3 }, checkpoint: { interval: 6 },
    hyperparams: { loss_type: 'dapo', scale_rewards: 'group' }, sim: { trainer: 'grpo', preset: 'micro', seed: 0 },
  };
  const { job_id } = await api<{ job_id: string }>('/rl/jobs', { job_type: 'rl', data: { model: 'Qwen/Qwen3-0.6B', endpoint_base_url: sim.taskApp?.url, config } });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  await page.goto(sim.studioLoginUrl());
  await page.goto(`${sim.url}/studio/#/job/${job_id}`);
  await page.waitForSelector('#job-meta .pill:is(.s-succeeded, .s-failed, .s-cancelled)', { timeout: 1_800_000 });
  console.log(`job ${job_id}: ${await page.locator('#job-meta .pill').textContent()}`);
  await page.waitForSelector('#checkpoints code');
  await page.evaluate('window.scrollTo(0, 0)');
  await Bun.sleep(300);
  mkdirSync(dirname(out), { recursive: true });
  await page.screenshot({ path: out });
  await browser.close();
  console.log(`wrote ${out}`);
} finally {
  await sim.stop();
}
