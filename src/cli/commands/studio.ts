// `synth-rl studio`: the web dashboard for any backend — production or a simulator elsewhere —
// on 127.0.0.1 until Ctrl-C. Prints a one-time sign-in URL; the API key never goes in a URL.
import type { CommandContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { loadConfig } from '../../config/load.ts';
import { startStudioServer, type StudioServer } from '../../../sim/studio/serve.ts';

export async function run(ctx: CommandContext): Promise<number> {
  const cfg = loadConfig({ flags: ctx.args.flags, env: ctx.env, cwd: ctx.cwd });
  for (const w of cfg.warnings) ctx.err.write(`warning: ${w}\n`);
  const f = ctx.args.flags;
  const port = typeof f.get('port') === 'number' ? (f.get('port') as number) : 8788;
  if (port < 0 || port > 65535) throw new UsageError(`--port must be between 0 and 65535, got ${port}`);
  const host = typeof f.get('host') === 'string' ? (f.get('host') as string) : '127.0.0.1';
  const backendUrl = String(cfg.require('backend_url'));
  const apiKey = cfg.string('api_key');
  let studio: StudioServer;
  try {
    studio = startStudioServer({ backendUrl, host, port, ...(apiKey !== undefined && { apiKey }) });
  } catch (e) {
    const msg = (e as Error).message;
    if (/EADDRINUSE|in use/i.test(msg)) throw new UsageError(`port ${port} is already in use; pick another with --port`);
    if (msg.includes('loopback')) throw new UsageError(`--host: ${msg}`);
    throw e;
  }
  const login = studio.loginUrl();
  ctx.out.write([
    `synth-rl studio — jobs, live curves, rollouts, checkpoints of ${backendUrl}`,
    '',
    login !== undefined ? `  open       ${login}` : `  open       ${studio.url}/studio/   (it asks for the API key once)`,
    ...(login !== undefined ? ['             (a one-time sign-in link: it sets a session cookie and drops the token from the address bar)'] : []),
    `  studio     ${studio.url}/studio/`,
    'Ctrl-C stops the Studio.',
    '',
  ].join('\n'));
  await new Promise<void>((resolveStop) => {
    process.once('SIGINT', () => resolveStop());
    process.once('SIGTERM', () => resolveStop());
  });
  ctx.err.write('stopping the Studio…\n');
  await studio.stop();
  return EXIT.ok;
}
