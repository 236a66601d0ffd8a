#!/usr/bin/env bun
// The compiled binary's entry point. `--version` answers before the CLI's modules are loaded,
// so pipelines that probe the binary pay only the runtime's own start.
import { VERSION } from '../version.ts';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  console.log(`synth-rl ${VERSION}`);
  process.exit(0);
}
const { runCli } = await import('./main.ts');
process.exit(await runCli(argv));
