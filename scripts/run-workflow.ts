#!/usr/bin/env bun
// Runs the steps of docs/github-actions/synth-rl-sim.yml on this machine, as GitHub Actions would
// (bash -eo pipefail, $GITHUB_ENV carried between steps, `if: always()` steps after a failure),
// with the release folder served over HTTP as SYNTH_RL_RELEASE_URL and the workflow's fixed ports
// swapped for free ones. `uses:` steps are skipped. With --fail-job the job's config asks the
// simulator for a failing job: the pipeline must then fail at the job's step.
//   bun run scripts/run-workflow.ts RELEASE_DIR [--fail-job]      (exit 0: the expectation held)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { root } from './release-targets.ts';

interface Step { name?: string; run?: string; uses?: string; if?: string }
interface Workflow { env: Record<string, string>; jobs: Record<string, { steps: Step[] }> }

async function freePort(): Promise<number> {
  return await new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => ok(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

function readGithubEnv(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

const FAILING_JOB = (script: string) => script.replace('trainer = "grpo"', 'trainer = "replay"').replace('[sim.model]', '[sim.replay]\n          scenario = "failure"\n          step_seconds = 0.01\n          [sim.model]');

export async function runWorkflow(releaseDir: string, failJob: boolean): Promise<{ failedStep: string | null; log: string }> {
  const wf = Bun.YAML.parse(readFileSync(join(root, 'docs/github-actions/synth-rl-sim.yml'), 'utf8')) as Workflow;
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (req) => new Response(Bun.file(join(releaseDir, new URL(req.url).pathname.split('/').pop() ?? ''))) });
  const ports = { '8787': String(await freePort()), '8001': String(await freePort()) };
  const swap = (s: string) => s.replaceAll('8787', ports['8787']).replaceAll('8001', ports['8001']);
  const work = mkdtempSync(join(tmpdir(), 'synth-rl-workflow-'));
  const githubEnv = join(work, '.github_env');
  writeFileSync(githubEnv, '');
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? work, GITHUB_ENV: githubEnv };
  for (const [k, v] of Object.entries(wf.env)) env[k] = swap(String(v));
  env.SYNTH_RL_RELEASE_URL = `http://127.0.0.1:${server.port}`;
  let failedStep: string | null = null;
  let log = '';
  try {
    for (const job of Object.values(wf.jobs)) {
      for (const step of job.steps) {
        if (step.run === undefined || (failedStep !== null && step.if !== 'always()')) continue;
        const script = swap(failJob ? FAILING_JOB(step.run) : step.run);
        // Asynchronous: this process also serves the downloads.
        const p = Bun.spawn(['bash', '--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd: work, env: { ...env, ...readGithubEnv(githubEnv) }, stdout: 'pipe', stderr: 'pipe', timeout: 600_000 });
        const [out, err, status] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
        log += `== ${step.name ?? '(unnamed)'}: exit ${status}\n${out}${err}`;
        if (status !== 0 && failedStep === null) failedStep = step.name ?? '(unnamed)';
      }
    }
  } finally {
    server.stop(true);
    rmSync(work, { recursive: true, force: true });
  }
  return { failedStep, log };
}

if (import.meta.main) {
  const dir = resolve(process.argv[2] ?? join(root, 'dist/release'));
  const failJob = process.argv.includes('--fail-job');
  const { failedStep, log } = await runWorkflow(dir, failJob);
  console.log(log.split('\n').slice(-60).join('\n'));
  const ok = failJob ? failedStep !== null && /job/i.test(failedStep) && !/Download|simulator/.test(failedStep) : failedStep === null;
  console.log(`${ok ? 'ok' : 'FAILED'}: workflow ${failJob ? 'fails at the job step on a failed job' : 'passes on a succeeded job'} (first failed step: ${failedStep ?? 'none'})`);
  process.exit(ok ? 0 : 1);
}
