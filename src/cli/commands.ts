// The module that runs each command, imported only when that command runs, so `--version` and
// `--help` never load a command's dependencies. Kept apart from the catalogue (spec.ts): the help
// command reads the catalogue, and nothing the commands import leads back here.
import type { CommandModule } from './context.ts';

const LOADERS: Readonly<Record<string, () => Promise<CommandModule>>> = {
  run: () => import('./commands/run.ts'),
  check: () => import('./commands/check.ts'),
  'env-key': () => import('./commands/env-key.ts'),
  rollout: () => import('./commands/rollout.ts'),
  train: () => import('./commands/train.ts'),
  infer: () => import('./commands/infer.ts'),
  sim: () => import('./commands/sim.ts'),
  'task-app': () => import('./commands/task-app.ts'),
  studio: () => import('./commands/studio.ts'),
  demo: () => import('./commands/demo.ts'),
  config: () => import('./commands/config.ts'),
  selftest: () => import('./commands/selftest.ts'),
  version: () => import('./commands/version.ts'),
  help: () => import('./commands/help.ts'),
};

/** The module of a command in the catalogue; a name without one is a bug in this table. */
export function loadCommand(name: string): Promise<CommandModule> {
  const load = LOADERS[name];
  if (load === undefined) throw new Error(`command ${name} has no module in src/cli/commands.ts`);
  return load();
}

export const COMMAND_MODULES: readonly string[] = Object.keys(LOADERS);
