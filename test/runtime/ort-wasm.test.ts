// ONNX Runtime as WebAssembly (src/runtime/ort-wasm.ts): the runtime of the darwin-x64 binary,
// where onnxruntime-node ships no native library. Run here through SYNTH_RL_ORT=wasm in a child
// process (transformers.js picks its runtime once, at import), against the native runtime.
import { beforeAll, describe, expect, test } from 'bun:test';
import { ortKind, sessionDevice } from '../../src/runtime/ort-wasm.ts';
import { TINY_EXPECTED } from '../../src/runtime/tiny-model.ts';
import { tempDir } from '../helpers/cli.ts';
import { MAIN } from '../helpers/process.ts';
import { writeTinyCheckpoint } from '../helpers/tiny-checkpoint.ts';

function synthRl(args: string[], ort: 'wasm' | 'native', cwd?: string): { code: number; out: string; err: string } {
  const r = Bun.spawnSync([process.execPath, MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', SYNTH_RL_ORT: ort },
    stdout: 'pipe', stderr: 'pipe', ...(cwd !== undefined && { cwd }),
  });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

describe('ONNX Runtime as WebAssembly', () => {
  let dir = '';
  let tarball = '';
  beforeAll(async () => {
    dir = tempDir();
    tarball = await writeTinyCheckpoint(dir);
  });

  test('selftest generates the expected text on the WebAssembly runtime, and says which runtime ran', () => {
    const r = synthRl(['selftest', '--json'], 'wasm');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { ok: boolean; generated: string; onnxruntime: Record<string, string> };
    expect(out.generated).toBe(TINY_EXPECTED);
    expect(out.ok).toBe(true);
    expect(out.onnxruntime.web).toBeDefined();
    expect(out.onnxruntime.node).toBeUndefined();
  }, 60_000);

  test('a trained checkpoint answers the same on the WebAssembly and the native runtime', () => {
    const wasm = synthRl(['infer', '--weights', tarball, '--json'], 'wasm', dir);
    const native = synthRl(['infer', '--weights', tarball, '--json'], 'native', dir);
    expect(wasm.code).toBe(0);
    expect(native.code).toBe(0);
    const calls = (s: string) => (JSON.parse(s) as { tool_calls: unknown[] }).tool_calls;
    expect(calls(wasm.out)).toEqual(calls(native.out));
    expect(calls(wasm.out).length).toBeGreaterThan(0);
  }, 60_000);

  test('version --json reports the runtime kind and its version', () => {
    const out = JSON.parse(synthRl(['version', '--json'], 'wasm').out) as { onnxruntime: string; onnxruntimeKind: string };
    expect(out.onnxruntimeKind).toBe('wasm');
    expect(out.onnxruntime).toMatch(/^1\.\d+\.\d+/);
  });

  test('SYNTH_RL_ORT takes native or wasm, and names itself when given anything else', () => {
    expect(ortKind({ SYNTH_RL_ORT: 'wasm' })).toBe('wasm');
    expect(ortKind({ SYNTH_RL_ORT: 'native' })).toBe('native');
    expect(ortKind({})).toBe('native');
    expect(() => ortKind({ SYNTH_RL_ORT: 'gpu' })).toThrow(/SYNTH_RL_ORT: expected "native" or "wasm", got "gpu"/);
    expect(sessionDevice('wasm')).toEqual({ device: 'auto' });
    expect(sessionDevice('native')).toEqual({});
  });
});
