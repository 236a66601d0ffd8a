#!/usr/bin/env bun
// The WebAssembly SIMD kernels against the reference kernels, side by side in one run, one core:
// matmul forward and backward GFLOP/s at the model's shapes (default L=2 H=2 C=64 on 16×128
// tokens; larger L=4 H=4 C=256 on 4×256; and 512×256·256×256), forward+backward train tokens/s of
// WasmGPT against GPT at both sizes, and where the wasm step's time goes, kernel by kernel.
// Rounds interleave reference and wasm; figures are medians over rounds. Time is this process's CPU
// time, not wall time: on a shared machine (other processes on the same cores) wall time measures
// the scheduler, CPU time the kernels. One thread runs the work, so CPU time ≈ one core's time.
//   bun run bench:kernels [--rounds N]
import { loadavg } from 'node:os';
import { Rng } from '../sim/crafter/rng.ts';
import * as ref from '../sim/model/cpu/kernels.ts';
import type { ModelConfig } from '../sim/model/config.ts';
import { GPT } from '../sim/model/gpt.ts';
import { Arena } from '../sim/model/wasm/arena.ts';
import { WasmGPT } from '../sim/model/wasm/model.ts';
import { gemmScratchBytes, matmul, type KernelExports } from '../sim/model/wasm/module.ts';

const argRounds = process.argv.indexOf('--rounds');
const ROUNDS = argRounds > 0 ? Number(process.argv[argRounds + 1]) : 5;
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) {
  console.error('--rounds: expected a positive integer');
  process.exit(2);
}
const rng = new Rng(1);
const rand = (n: number) => Float32Array.from({ length: n }, () => rng.uniform() - 0.5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** CPU milliseconds of this process so far. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** CPU milliseconds per call: runs `fn` for at least `minMs` of CPU time (after one warm-up call). */
function msPerCall(fn: () => void, minMs: number): number {
  fn();
  let n = 0;
  const t0 = cpuMs();
  while (n === 0 || cpuMs() - t0 < minMs) {
    fn();
    n++;
  }
  return (cpuMs() - t0) / n;
}

/** Median ms per call of each side, rounds interleaved. */
function compare(sides: Record<string, () => void>, minMs: number): Record<string, number> {
  const times: Record<string, number[]> = {};
  for (let r = 0; r < ROUNDS; r++) for (const [name, fn] of Object.entries(sides)) (times[name] ??= []).push(msPerCall(fn, minMs));
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}

type Shape = [N: number, C: number, OC: number];

/** The four linear layers of one block at N tokens and C channels. */
const blockShapes = (N: number, C: number): Shape[] => [[N, C, 3 * C], [N, C, C], [N, C, 4 * C], [N, 4 * C, C]];

interface MatmulFigures { fwdRef: number; fwdWasm: number; bwdRef: number; bwdWasm: number }

function benchMatmul(shapes: Shape[]): MatmulFigures {
  const arena = new Arena();
  const k: KernelExports = arena.k;
  const flops = shapes.reduce((s, [N, C, OC]) => s + 2 * N * C * OC, 0);
  const ops = shapes.map(([N, C, OC]) => {
    const inp = rand(N * C), w = rand(OC * C), bias = rand(OC), dout = rand(N * OC);
    const out = new Float32Array(N * OC), dinp = new Float32Array(N * C), dw = new Float32Array(OC * C), db = new Float32Array(OC);
    const put = (x: Float32Array) => {
      const p = arena.alloc(x.length);
      arena.f32.set(x, p >> 2);
      return p;
    };
    const [pi, pw, pb, pd, po, pdi, pdw, pdb] = [inp, w, bias, dout, out, dinp, dw, db].map(put) as number[] as [number, number, number, number, number, number, number, number];
    const S = arena.alloc(Math.max(gemmScratchBytes(N, C, OC), gemmScratchBytes(N, OC, C), gemmScratchBytes(OC, N, C)) / 4);
    return {
      fwdRef: () => ref.matmulForward(out, inp, w, bias, N, C, OC),
      fwdWasm: () => matmul(k, po, 0, pb, pi, false, pw, true, N, C, OC, S),
      bwdRef: () => ref.matmulBackward(dinp, dw, db, dout, inp, w, N, C, OC),
      bwdWasm: () => {
        matmul(k, pdi, pdi, 0, pd, false, pw, false, N, OC, C, S); // dinp += dout·W
        matmul(k, pdw, pdw, 0, pd, true, pi, false, OC, N, C, S); // dW += doutᵀ·inp
        k.bias_backward(pdb, pd, N, OC);
      },
    };
  });
  const all = (key: keyof (typeof ops)[number]) => () => ops.forEach((o) => o[key]());
  const fwd = compare({ ref: all('fwdRef'), wasm: all('fwdWasm') }, 300);
  const bwd = compare({ ref: all('bwdRef'), wasm: all('bwdWasm') }, 300);
  const g = (ms: number, f: number) => f / (ms / 1000) / 1e9;
  return { fwdRef: g(fwd.ref as number, flops), fwdWasm: g(fwd.wasm as number, flops), bwdRef: g(bwd.ref as number, 2 * flops), bwdWasm: g(bwd.wasm as number, 2 * flops) };
}

interface TrainFigures { ref: number; wasm: number; profile: [string, number][] }

function rlBatch(cfg: ModelConfig, B: number, T: number) {
  const perRow = 8;
  const tokens = Int32Array.from({ length: B * T }, () => rng.below(cfg.vocabSize));
  const pos = Int32Array.from({ length: B * perRow }, (_, i) => Math.floor(i / perRow) * T + T - perRow - 1 + (i % perRow));
  const targets = Int32Array.from({ length: pos.length }, () => rng.below(cfg.vocabSize));
  const dlogp = new Float32Array(pos.length).fill(1 / pos.length);
  return { tokens, pos, targets, dlogp };
}

/** Forward+backward tokens/s of GPT (reference) and WasmGPT, and the wasm step's kernel times. */
function benchTrain(cfg: ModelConfig, B: number, T: number, refMinMs: number): TrainFigures {
  const { tokens, pos, targets, dlogp } = rlBatch(cfg, B, T);
  const gpt = new GPT(cfg, { seed: 1 });
  const fast = new WasmGPT(cfg, { seed: 1 });
  const step = (m: GPT | WasmGPT) => () => {
    m.forward(tokens, B, T, pos, targets);
    m.zeroGrad();
    m.backward(dlogp);
  };
  const t = compare({ ref: step(gpt), wasm: step(fast) }, refMinMs);
  return { ref: (B * T) / ((t.ref as number) / 1000), wasm: (B * T) / ((t.wasm as number) / 1000), profile: profileStep(fast, step(fast)) };
}

/** Milliseconds per step spent in each wasm kernel (wrapping the exports the model calls). */
function profileStep(model: WasmGPT, step: () => void): [string, number][] {
  const arena = model.arena as { k: KernelExports };
  const orig = arena.k;
  const spent = new Map<string, number>();
  const timed = { memory: orig.memory } as Record<string, unknown>;
  for (const [name, fn] of Object.entries(orig)) {
    if (typeof fn !== 'function') continue;
    timed[name] = (...args: number[]) => {
      const t0 = performance.now();
      (fn as (...a: number[]) => void)(...args);
      spent.set(name, (spent.get(name) ?? 0) + performance.now() - t0);
    };
  }
  arena.k = timed as unknown as KernelExports;
  const n = 5;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) step();
  const total = (performance.now() - t0) / n;
  arena.k = orig;
  const inKernels = [...spent.values()].reduce((a, b) => a + b, 0) / n;
  return [['step', total], ...[...spent].map(([k, v]) => [k, v / n] as [string, number]).sort((a, b) => b[1] - a[1]), ['(outside kernels)', total - inKernels]];
}

const DEFAULT: ModelConfig = { vocabSize: 160, maxSeqLen: 256, nLayer: 2, nHead: 2, dModel: 64 };
const LARGE: ModelConfig = { vocabSize: 160, maxSeqLen: 256, nLayer: 4, nHead: 4, dModel: 256 };

console.log(`one core, CPU time; ${ROUNDS} interleaved rounds, medians; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${navigator.hardwareConcurrency} cores`);
const line = (name: string, r: number, w: number, unit: string) => console.log(`${name.padEnd(44)} reference ${r.toFixed(1).padStart(9)}   wasm ${w.toFixed(1).padStart(9)} ${unit}   ×${(w / r).toFixed(1)}`);
const mmDefault = benchMatmul(blockShapes(16 * 128, 64));
const mmLarge = benchMatmul(blockShapes(4 * 256, 256));
const mmSquare = benchMatmul([[512, 256, 256]]);
line('matmul fwd, default block (2048 tok, C=64)', mmDefault.fwdRef, mmDefault.fwdWasm, 'GFLOP/s');
line('matmul bwd, default block', mmDefault.bwdRef, mmDefault.bwdWasm, 'GFLOP/s');
line('matmul fwd, larger block (1024 tok, C=256)', mmLarge.fwdRef, mmLarge.fwdWasm, 'GFLOP/s');
line('matmul bwd, larger block', mmLarge.bwdRef, mmLarge.bwdWasm, 'GFLOP/s');
line('matmul fwd, 512×256·256×256', mmSquare.fwdRef, mmSquare.fwdWasm, 'GFLOP/s');
line('matmul bwd, 512×256·256×256', mmSquare.bwdRef, mmSquare.bwdWasm, 'GFLOP/s');
const trDefault = benchTrain(DEFAULT, 16, 128, 1500);
line('train fwd+bwd, default (16×128)', trDefault.ref, trDefault.wasm, 'tokens/s');
const trLarge = benchTrain(LARGE, 4, 256, 1);
line('train fwd+bwd, larger (4×256)', trLarge.ref, trLarge.wasm, 'tokens/s');
for (const [name, prof] of [['default', trDefault.profile], ['larger', trLarge.profile]] as const) {
  console.log(`wasm step, ${name} size (ms): ${prof.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
}
const bench = (name: string, v: number, unit: string) => console.log(`BENCH kernels.${name} ${v.toFixed(1)} ${unit}`);
// Names as before: the default block unprefixed (its reference figures under ref.), then large., square.
const matmulFigures: [string, number, number][] = [
  ['', mmDefault.fwdWasm, mmDefault.bwdWasm], ['ref.', mmDefault.fwdRef, mmDefault.bwdRef],
  ['large.', mmLarge.fwdWasm, mmLarge.bwdWasm], ['square.', mmSquare.fwdWasm, mmSquare.bwdWasm],
];
for (const [prefix, fwd, bwd] of matmulFigures) {
  bench(`${prefix}matmul_fwd_gflops`, fwd, 'GFLOP/s');
  bench(`${prefix}matmul_bwd_gflops`, bwd, 'GFLOP/s');
}
for (const [prefix, tr] of [['', trDefault], ['large.', trLarge]] as const) {
  bench(`${prefix}wasm_train_tokens_per_s`, tr.wasm, 'tokens/s');
  bench(`${prefix}ref_train_tokens_per_s`, tr.ref, 'tokens/s');
}
