import { describe, expect, test } from 'bun:test';
import { parseArgs, type FlagSpec } from '../../src/cli/args.ts';
import { UsageError } from '../../src/cli/errors.ts';
import { closest, editDistance } from '../../src/cli/suggest.ts';

const SPECS: FlagSpec[] = [
  { name: 'batch-size', type: 'int', description: '' },
  { name: 'lr', type: 'number', description: '' },
  { name: 'json', type: 'boolean', description: '' },
  { name: 'task-app', type: 'boolean', description: '' },
  { name: 'model', type: 'string', description: '' },
  { name: 'env-file', type: 'string', repeatable: true, description: '' },
  { name: 'help', short: 'h', type: 'boolean', description: '' },
];

function usageError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseArgs', () => {
  test('space and = forms, booleans, negation, repeatables, positionals, --', () => {
    const p = parseArgs(
      ['--batch-size', '8', '--lr=-0.5', '--json', '--no-task-app', '--model=a=b', 'pos', '--env-file', 'a', '--env-file=b', '-h', '--', '--model'],
      SPECS, 'test',
    );
    expect(p.flags.get('batch-size')).toBe(8);
    expect(p.flags.get('lr')).toBe(-0.5);
    expect(p.flags.get('json')).toBe(true);
    expect(p.flags.get('task-app')).toBe(false);
    expect(p.flags.get('model')).toBe('a=b');
    expect(p.flags.get('env-file')).toEqual(['a', 'b']);
    expect(p.flags.get('help')).toBe(true);
    expect(p.positionals).toEqual(['pos', '--model']);
  });

  test('negative numbers are values, not flags', () => {
    expect(parseArgs(['--lr', '-1e-3'], SPECS, 'test').flags.get('lr')).toBe(-0.001);
  });

  test('type errors name the flag and the expected type', () => {
    expect(usageError(() => parseArgs(['--batch-size', '2.5'], SPECS, 'test'))).toBe('--batch-size expects an integer, got "2.5"');
    expect(usageError(() => parseArgs(['--lr', 'fast'], SPECS, 'test'))).toBe('--lr expects a number, got "fast"');
    expect(usageError(() => parseArgs(['--json=maybe'], SPECS, 'test'))).toContain('--json expects true or false');
  });

  test('a missing value is reported, and a following flag is not swallowed as one', () => {
    expect(usageError(() => parseArgs(['--model'], SPECS, 'test'))).toBe('--model expects a value');
    expect(usageError(() => parseArgs(['--model', '--json'], SPECS, 'test'))).toBe('--model expects a value');
  });

  test('unknown flags suggest the closest valid name', () => {
    expect(usageError(() => parseArgs(['--bach-size', '3'], SPECS, 'synth-rl run'))).toBe(
      'unknown flag --bach-size for synth-rl run (did you mean --batch-size?)',
    );
    expect(usageError(() => parseArgs(['--zzzzzz'], SPECS, 'x'))).toBe('unknown flag --zzzzzz for x');
    expect(usageError(() => parseArgs(['--no-model'], SPECS, 'x'))).toContain('unknown flag --no-model');
  });
});

describe('suggestions', () => {
  test('edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  test('closest picks plausible candidates only', () => {
    expect(closest('rn', ['run', 'check', 'config'])).toBe('run');
    expect(closest('confg', ['run', 'check', 'config'])).toBe('config');
    expect(closest('env', ['env-key', 'run'])).toBe('env-key');
    expect(closest('xyzzy', ['run', 'check'])).toBeUndefined();
  });
});
