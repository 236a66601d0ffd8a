// The kernel checks are able to fail: each mutation below breaks kernels.wat the way a plausible
// bug would (a dropped partial block, a dropped tail, a lost zero, a lost precision step); the
// mutated source is compiled in-process and the same comparison against the reference kernels
// that wasm-kernels.test.ts makes must exceed its 1e-5 tolerance.
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { Rng } from '../../../sim/crafter/rng.ts';
import * as K from '../../../sim/model/cpu/kernels.ts';
import { normal } from '../../../sim/model/init.ts';
import { Arena } from '../../../sim/model/wasm/arena.ts';
import { attentionForward, attentionScratchBytes } from '../../../sim/model/wasm/attention.ts';
import { gemmScratchBytes, matmul } from '../../../sim/model/wasm/module.ts';
import { WAT_PATH } from '../../../sim/model/wasm/source.ts';
import { compileWat } from '../../../scripts/build-wasm.ts';
import { relErr } from '../../helpers/close.ts';

const TOL = 1e-5;
const rng = new Rng(11);
const randn = (n: number) => Float32Array.from({ length: n }, () => normal(rng));

function put(arena: Arena, x: Float32Array): number {
  const p = arena.alloc(x.length);
  arena.f32.set(x, p >> 2);
  return p;
}

/** out = inp·Wᵀ + bias at N=37, C=19, OC=23 (off the 2×16 tiles). */
function gemmErr(arena: Arena): number {
  const N = 37, C = 19, OC = 23;
  const inp = randn(N * C), w = randn(OC * C), bias = randn(OC), want = new Float32Array(N * OC);
  K.matmulForward(want, inp, w, bias, N, C, OC);
  const out = arena.alloc(N * OC);
  matmul(arena.k, out, 0, put(arena, bias), put(arena, inp), false, put(arena, w), true, N, C, OC, arena.alloc(gemmScratchBytes(N, C, OC) / 4));
  return relErr(arena.view(out, N * OC), want);
}

function layernormErr(arena: Arena): number {
  const N = 5, C = 23;
  const inp = randn(N * C), w = randn(C), b = randn(C), want = new Float32Array(N * C);
  K.layernormForward(want, new Float32Array(N), new Float32Array(N), inp, w, b, N, C);
  const out = arena.alloc(N * C);
  arena.k.layernorm_forward(out, arena.alloc(N), arena.alloc(N), put(arena, inp), put(arena, w), put(arena, b), N, C);
  return relErr(arena.view(out, N * C), want);
}

function attentionErr(arena: Arena): number {
  const B = 2, T = 13, C = 15, NH = 3;
  const qkv = randn(B * T * 3 * C), want = new Float32Array(B * T * C);
  K.attentionForward(want, new Float32Array(B * NH * T * T), new Float32Array(B * NH * T * T), qkv, B, T, C, NH);
  const out = arena.alloc(B * T * C);
  attentionForward(arena.k, out, arena.alloc(B * NH * T * T), put(arena, qkv), B, T, C, NH, arena.alloc(attentionScratchBytes(T, C / NH) / 4));
  return relErr(arena.view(out, B * T * C), want);
}

/** GELU, elementwise relative error where |gelu(x)| > 1e-3 (as wasm-kernels.test.ts also checks). */
function geluErr(arena: Arena): number {
  const n = 64;
  const x = Float32Array.from({ length: n }, () => 6 * normal(rng)), want = new Float32Array(n);
  K.geluForward(want, x, n);
  const out = arena.alloc(n);
  arena.k.gelu_forward(out, put(arena, x), n);
  const got = arena.view(out, n);
  let worst = relErr(got, want);
  for (let i = 0; i < n; i++) if (Math.abs(want[i] as number) > 1e-3) worst = Math.max(worst, Math.abs((got[i] as number) - (want[i] as number)) / Math.abs(want[i] as number));
  return worst;
}

const MUTATIONS: { name: string; from: string; to: string; check: (a: Arena) => number }[] = [
  {
    name: 'gemm drops the last partial column panel',
    from: '(br_if $jd (i32.ge_s (local.get $m0) (local.get $M)))',
    to: '(br_if $jd (i32.gt_s (i32.add (local.get $m0) (i32.const 16)) (local.get $M)))',
    check: gemmErr,
  },
  {
    name: 'gemm drops the last row of an odd N',
    from: '(br_if $id (i32.ge_s (local.get $n0) (local.get $N)))',
    to: '(br_if $id (i32.ge_s (i32.add (local.get $n0) (i32.const 1)) (local.get $N)))',
    check: gemmErr,
  },
  {
    name: 'layer norm forgets the scalar tail in the mean',
    from: '(local.set $m (f32.add (local.get $m) (f32.load (i32.add (local.get $x) (local.get $i)))))',
    to: '(local.set $m (local.get $m))',
    check: layernormErr,
  },
  {
    name: 'causal softmax leaves the element past the diagonal unzeroed',
    from: '(then (f32.store (local.get $end) (f32.const 0)))',
    to: '(then (nop))',
    check: attentionErr,
  },
  {
    name: 'exp skips the second half of its ln 2 range reduction',
    from: '(local.set $x (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))',
    to: '(nop)',
    check: geluErr,
  },
];

describe('each kernel mutation makes its reference check fail', () => {
  const source = readFileSync(WAT_PATH, 'utf8');
  test('the unmutated build passes every check', () => {
    for (const m of MUTATIONS) expect(m.check(new Arena())).toBeLessThan(TOL);
  });
  for (const m of MUTATIONS) {
    test(m.name, async () => {
      expect(source.split(m.from).length - 1).toBe(1); // the mutation site exists, once
      const bytes = await compileWat(source.replace(m.from, m.to));
      expect(m.check(new Arena(new WebAssembly.Module(bytes)))).toBeGreaterThan(TOL);
    });
  }
});
