// Foreground servers (`synth-rl sim`, `synth-rl task-app`) as real processes: started, read up to
// their banner, stopped with SIGTERM.
import { resolve } from 'node:path';

export const MAIN = resolve(import.meta.dir, '../../src/cli/main.ts');

export interface ServerProcess {
  proc: Bun.Subprocess<'ignore', 'pipe', 'pipe'>;
  banner: string;
}

/** Spawns `cmd` (default: `bun src/cli/main.ts`, or a compiled binary) and reads until the banner ends. */
export async function startServer(args: string[], opts: { env?: Record<string, string>; cwd?: string; binary?: string; timeoutMs?: number } = {}): Promise<ServerProcess> {
  const cmd = opts.binary ? [opts.binary, ...args] : [process.execPath, MAIN, ...args];
  const proc = Bun.spawn(cmd, {
    stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', ...(opts.cwd && { cwd: opts.cwd }),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...opts.env },
  });
  const reader = proc.stdout.getReader();
  let banner = '';
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  while (!banner.includes('Ctrl-C stops') && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    banner += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  if (!banner.includes('Ctrl-C stops')) throw new Error(`no banner: ${banner}\n${await new Response(proc.stderr).text()}`);
  return { proc, banner };
}

/** SIGTERM; resolves with the exit code. */
export async function stopServer(p: ServerProcess): Promise<number> {
  p.proc.kill('SIGTERM');
  return p.proc.exited;
}

/** The URL a banner line labelled `label` shows (e.g. "backend", "task app"). */
export function bannerUrl(banner: string, label: string): string {
  return new RegExp(`${label}\\s+(http://127\\.0\\.0\\.1:\\d+)`).exec(banner)?.[1] as string;
}
