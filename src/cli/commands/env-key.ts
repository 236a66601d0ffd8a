// `synth-rl env-key`: seal ENVIRONMENT_API_KEY (or --token, or a --mint'ed key) with the backend's
// public key and upload it (docs/wire-contract.md §5). The key is never printed, except a minted one, once.
import type { CommandContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { describeSource, loadConfig } from '../../config/load.ts';
import { SynthClient } from '../../client/api-client.ts';
import { envKeyProblem, mintEnvironmentApiKey, setupEnvironmentApiKey } from '../../client/envkey.ts';
import { envKeyJson, envKeyText } from '../../ui/envkey-report.ts';
import { colorEnabled, createStyle } from '../../ui/style.ts';
import { explainError } from './run.ts';

/** The key to upload and where it came from; usage errors when there is none or it is unusable. */
export function chooseEnvKey(ctx: CommandContext, fromEnv: { value: string | undefined; source: string }): { token: string; source: string; minted: boolean } {
  const flagToken = ctx.args.flags.get('token');
  const mint = ctx.args.flags.get('mint') === true;
  if (mint && typeof flagToken === 'string') throw new UsageError('--token and --mint exclude each other: upload a key you have, or mint a new one');
  let choice: { token: string; source: string; minted: boolean };
  if (mint) choice = { token: mintEnvironmentApiKey(), source: 'minted', minted: true };
  else if (typeof flagToken === 'string') choice = { token: flagToken, source: 'flag --token', minted: false };
  else if (fromEnv.value !== undefined) choice = { token: fromEnv.value, source: fromEnv.source, minted: false };
  else throw new UsageError('no key to upload: set ENVIRONMENT_API_KEY (environment or .env), pass --token, or pass --mint to create one');
  const problem = envKeyProblem(choice.token);
  if (problem !== undefined) throw new UsageError(`ENVIRONMENT_API_KEY from ${choice.source}: ${problem}`);
  return choice;
}

export async function run(ctx: CommandContext): Promise<number> {
  const cfg = loadConfig({ flags: ctx.args.flags, env: ctx.env, cwd: ctx.cwd });
  for (const w of cfg.warnings) ctx.err.write(`warning: ${w}\n`);
  const apiKey = String(cfg.require('api_key'));
  const backendUrl = String(cfg.require('backend_url'));
  const entry = cfg.entry('environment_api_key');
  const choice = chooseEnvKey(ctx, { value: cfg.string('environment_api_key'), source: describeSource(entry.source) });
  const client = new SynthClient({ backendUrl, apiKey, timeoutMs: Math.min(cfg.number('timeout') ?? 600, 60) * 1000 });
  try {
    const setup = await setupEnvironmentApiKey(client, { token: choice.token });
    const report = { setup, backend: client.apiBase, source: choice.source, ...(choice.minted && { mintedToken: choice.token }) };
    if (ctx.args.flags.get('json') === true) ctx.out.write(`${JSON.stringify(envKeyJson(report))}\n`);
    else ctx.out.write(envKeyText(report, createStyle(colorEnabled(ctx.isTTY, ctx.env))));
    return EXIT.ok;
  } catch (error) {
    ctx.err.write(`synth-rl env-key: error: ${explainError(error, cfg)}${choice.minted ? ' (the minted key was not stored and is discarded; nothing to clean up)' : ''}\n`);
    return EXIT.failure;
  }
}
