// Preloaded by bun test (bunfig.toml): one cleanup for the temporary folders the tests make.
import { afterAll } from 'bun:test';
import { removeTestRoot } from './helpers/cli.ts';

afterAll(removeTestRoot);
