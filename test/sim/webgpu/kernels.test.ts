// Every WGSL kernel against its CPU reference (sim/model/cpu/kernels.ts) on random inputs, with
// sizes that are not multiples of the 32×32 matmul tile or the 64-wide workgroups. Criterion:
// max |gpu − cpu| ≤ 1e-4 · max |cpu| per output tensor. Runs on llvmpipe in CI.
import { describe, expect, test } from 'bun:test';
import * as K from '../../../sim/model/cpu/kernels.ts';
import { GpuOps } from '../../../sim/model/webgpu/ops.ts';
import type { BufName } from '../../../sim/model/webgpu/runtime.ts';
import { gpu, noGpu, relErr, runtime } from '../../helpers/webgpu.ts';

const TOL = 1e-4;
let seed = 12345;
function rnd(n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    out[i] = ((seed / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}
function ints(n: number, below: number): Int32Array {
  return Int32Array.from(rnd(n), (x) => Math.floor(((x + 1) / 2) * below) % below);
}

/** Host-side layout of the four buffers; upload, run, read back by name. */
class Space {
  private parts: Record<BufName, { name: string; data: Float32Array }[]> = { P: [], G: [], A: [], D: [] };
  private at: Record<string, [BufName, number, number]> = {};
  private size: Record<BufName, number> = { P: 0, G: 0, A: 0, D: 0 };
  put(buf: BufName, name: string, data: Float32Array | Int32Array): number {
    const f = data instanceof Int32Array ? new Float32Array(data.buffer.slice(0)) : Float32Array.from(data);
    const off = this.size[buf];
    this.parts[buf].push({ name, data: f });
    this.at[name] = [buf, off, f.length];
    this.size[buf] += f.length;
    return off;
  }
  async run(fn: (ops: GpuOps, b: readonly [GPUBuffer, GPUBuffer, GPUBuffer, GPUBuffer]) => void, outs: string[]): Promise<Record<string, Float32Array>> {
    const rt = runtime();
    const bufs = (['P', 'G', 'A', 'D'] as const).map((k) => rt.buffer(this.size[k] + 1, k));
    (['P', 'G', 'A', 'D'] as const).forEach((k, i) => {
      const all = new Float32Array(this.size[k]);
      let o = 0;
      for (const p of this.parts[k]) { all.set(p.data, o); o += p.data.length; }
      rt.write(bufs[i] as GPUBuffer, 0, all);
    });
    const four = bufs as unknown as readonly [GPUBuffer, GPUBuffer, GPUBuffer, GPUBuffer];
    fn(new GpuOps(rt), four);
    const res: Record<string, Float32Array> = {};
    for (const name of outs) {
      const [buf, off, n] = this.at[name] as [BufName, number, number];
      res[name] = await rt.read(bufs[['P', 'G', 'A', 'D'].indexOf(buf)] as GPUBuffer, off, n);
    }
    for (const b of bufs) b.destroy();
    return res;
  }
}

function expectClose(got: Record<string, Float32Array>, want: Record<string, Float32Array>): void {
  for (const [name, w] of Object.entries(want)) {
    const e = relErr(got[name] as Float32Array, w);
    if (!(e <= TOL)) throw new Error(`${name}: relative max error ${e} > ${TOL}; all: ${Object.keys(want).map((k) => `${k}=${relErr(got[k] as Float32Array, want[k] as Float32Array).toExponential(2)}`).join(" ")}`);
  }
}

const skipped = noGpu ? ` (skipped: ${noGpu})` : '';
const gpuDescribe = describe.skipIf(gpu === undefined);

// One random stream feeds every test in file order, so the describe blocks below keep that order.
gpuDescribe(`WGSL kernels vs the CPU reference: encoder, layernorm, matmul${skipped}`, () => {
  test('encoder forward and backward (token-grouped dwte, position dwpe)', async () => {
    const [B, T, C, V] = [3, 7, 37, 11];
    const tok = ints(B * T, V); const wte = rnd(V * C); const wpe = rnd(T * C); const dout = rnd(B * T * C);
    const gw = rnd(V * C); const gp = rnd(T * C);
    const out = new Float32Array(B * T * C); K.encoderForward(out, tok, wte, wpe, B, T, C);
    const dwte = gw.slice(); const dwpe = gp.slice(); K.encoderBackward(dwte, dwpe, dout, tok, B, T, C);
    const order = [...tok.keys()].sort((a, b) => (tok[a] as number) - (tok[b] as number));
    const csr = new Int32Array(V + 1);
    for (const t of tok) csr[t + 1]! += 1;
    for (let v = 0; v < V; v++) csr[v + 1]! += csr[v]!;
    const s = new Space();
    const o = { wte: s.put('P', 'wte', wte), wpe: s.put('P', 'wpe', wpe), out: s.put('A', 'out', new Float32Array(B * T * C)), tok: s.put('A', 'tok', tok),
      csr: s.put('A', 'csr', csr), list: s.put('A', 'list', Int32Array.from(order)), dout: s.put('D', 'dout', dout), dwte: s.put('G', 'dwte', gw), dwpe: s.put('G', 'dwpe', gp) };
    const got = await s.run((ops, b) => {
      ops.encoderForward(b, o.out, o.tok, o.wte, o.wpe, B, T, C);
      ops.encoderBackward(b, o.dwte, o.dwpe, o.dout, o.csr, o.list, B, T, C, V);
    }, ['out', 'dwte', 'dwpe']);
    expectClose(got, { out, dwte, dwpe });
  });

  test('layernorm forward and backward', async () => {
    const [N, C] = [13, 67];
    const inp = rnd(N * C, 2); const w = rnd(C); const bias = rnd(C); const dout = rnd(N * C); const dinp0 = rnd(N * C); const dw0 = rnd(C); const db0 = rnd(C);
    const out = new Float32Array(N * C); const mean = new Float32Array(N); const rstd = new Float32Array(N);
    K.layernormForward(out, mean, rstd, inp, w, bias, N, C);
    const dinp = dinp0.slice(); const dw = dw0.slice(); const db = db0.slice();
    K.layernormBackward(dinp, dw, db, dout, inp, w, mean, rstd, N, C);
    const s = new Space();
    const o = { w: s.put('P', 'w', w), b: s.put('P', 'b', bias), out: s.put('A', 'out', new Float32Array(N * C)), mean: s.put('A', 'mean', new Float32Array(N)),
      rstd: s.put('A', 'rstd', new Float32Array(N)), inp: s.put('A', 'inp', inp), dout: s.put('D', 'dout', dout), dinp: s.put('D', 'dinp', dinp0), dw: s.put('G', 'dw', dw0), db: s.put('G', 'db', db0) };
    const got = await s.run((ops, b) => {
      ops.layernormForward(b, o.out, o.mean, o.rstd, o.inp, o.w, o.b, N, C);
      ops.layernormBackward(b, o.dinp, o.dw, o.db, o.dout, o.inp, o.w, o.mean, o.rstd, N, C);
    }, ['out', 'mean', 'rstd', 'dinp', 'dw', 'db']);
    expectClose(got, { out, mean, rstd, dinp, dw, db });
  });

  for (const [N, C, OC] of [[33, 45, 70], [64, 64, 96], [5, 130, 3]] as const) {
    test(`matmul forward and backward N=${N} C=${C} OC=${OC}`, async () => {
      const inp = rnd(N * C); const w = rnd(OC * C); const bias = rnd(OC); const dout = rnd(N * OC);
      const dinp0 = rnd(N * C); const dw0 = rnd(OC * C); const db0 = rnd(OC);
      const out = new Float32Array(N * OC); K.matmulForward(out, inp, w, bias, N, C, OC);
      const dinp = dinp0.slice(); const dw = dw0.slice(); const db = db0.slice();
      K.matmulBackward(dinp, dw, db, dout, inp, w, N, C, OC);
      const s = new Space();
      const o = { w: s.put('P', 'w', w), bias: s.put('P', 'bias', bias), inp: s.put('A', 'inp', inp), out: s.put('A', 'out', new Float32Array(N * OC)),
        dout: s.put('D', 'dout', dout), dinp: s.put('D', 'dinp', dinp0), dw: s.put('G', 'dw', dw0), db: s.put('G', 'db', db0) };
      const got = await s.run((ops, b) => {
        ops.matmulForward(b, o.out, o.inp, o.w, o.bias, N, C, OC);
        ops.matmulBackward(b, o.dinp, o.dw, o.db, o.dout, o.inp, o.w, N, C, OC);
      }, ['out', 'dinp', 'dw', 'db']);
      expectClose(got, { out, dinp, dw, db });
    });
  }
});

gpuDescribe(`WGSL kernels vs the CPU reference: attention, GELU, residual, scored-row head${skipped}`, () => {
  test('causal attention forward and backward', async () => {
    const [B, T, C, NH] = [2, 9, 12, 3];
    const qkv = rnd(B * T * 3 * C); const dout = rnd(B * T * C); const dqkv0 = rnd(B * T * 3 * C);
    const out = new Float32Array(B * T * C); const pre = new Float32Array(B * NH * T * T); const att = new Float32Array(B * NH * T * T);
    K.attentionForward(out, pre, att, qkv, B, T, C, NH);
    const dqkv = dqkv0.slice();
    K.attentionBackward(dqkv, new Float32Array(B * NH * T * T), new Float32Array(B * NH * T * T), dout, qkv, att, B, T, C, NH);
    const s = new Space();
    const o = { out: s.put('A', 'out', new Float32Array(B * T * C)), att: s.put('A', 'att', new Float32Array(B * NH * T * T)), qkv: s.put('A', 'qkv', qkv),
      dqkv: s.put('D', 'dqkv', dqkv0), scratch: s.put('D', 'scratch', new Float32Array(B * NH * T * T)), dout: s.put('D', 'dout', dout) };
    const got = await s.run((ops, b) => {
      ops.attentionForward(b, o.out, o.att, o.qkv, B, T, C, NH);
      ops.attentionBackward(b, o.dqkv, o.scratch, o.dout, o.qkv, o.att, B, T, C, NH);
    }, ['out', 'att', 'dqkv']);
    expectClose(got, { out, att, dqkv });
  });

  test('GELU and residual forward and backward', async () => {
    const n = 1000;
    const x = rnd(n, 6); const y = rnd(n); const dout = rnd(n); const d0 = rnd(n); const d1 = rnd(n);
    const g = new Float32Array(n); K.geluForward(g, x, n);
    const dg = d0.slice(); K.geluBackward(dg, x, dout, n);
    const r = new Float32Array(n); K.residualForward(r, x, y, n);
    const da = d1.slice(); const db = dout.slice(); K.residualBackward(da, db, d0, n);
    const s = new Space();
    const o = { x: s.put('A', 'x', x), y: s.put('A', 'y', y), g: s.put('A', 'g', new Float32Array(n)), r: s.put('A', 'r', new Float32Array(n)),
      dout: s.put('D', 'dout', dout), dg: s.put('D', 'dg', d0), da: s.put('D', 'da', d1), db: s.put('D', 'db', dout), d0: s.put('D', 'd0', d0) };
    const got = await s.run((ops, b) => {
      ops.geluForward(b, o.g, o.x, n);
      ops.geluBackward(b, o.dg, o.x, o.dout, n);
      ops.residualForward(b, o.r, o.x, o.y, n);
      ops.residualBackward(b, o.da, o.db, o.d0, n);
    }, ['g', 'dg', 'r', 'da', 'db']);
    expectClose(got, { g, dg, r, da, db });
  });

  for (const masked of [false, true]) {
    test(`scored-row head: masked=${masked} tempered log-softmax, entropy, backward, row gather/scatter`, async () => {
      const [M, V, C, BT] = [70, 29, 19, 90];
      const invT = 1 / 0.7;
      const logits = rnd(M * V, 4); const targets = ints(M, V); const dlp = rnd(M); const dl0 = rnd(M * V);
      const mask = masked ? Uint8Array.from(rnd(M * V), (x) => (x > -0.3 ? 1 : 0)) : null;
      if (mask) for (let m = 0; m < M; m++) mask[m * V + (targets[m] as number)] = 1;
      const lp = new Float32Array(M); const probs = new Float32Array(M * V); const ent = new Float32Array(M);
      K.logprobForward(lp, probs, logits, targets, M, V, mask, invT);
      K.rowEntropy(ent, probs, M, V);
      const dlogits = dl0.slice(); K.logprobBackward(dlogits, dlp, probs, targets, M, V, invT);
      const last = rnd(BT * C); const pos = ints(M, BT); const dsel = rnd(M * C); const dlast0 = rnd(BT * C);
      const sel = new Float32Array(M * C); const dlast = dlast0.slice();
      for (let r = 0; r < M; r++) {
        sel.set(last.subarray(pos[r]! * C, pos[r]! * C + C), r * C);
        for (let i = 0; i < C; i++) dlast[pos[r]! * C + i]! += dsel[r * C + i]!;
      }
      const s = new Space();
      const o = { logits: s.put('A', 'logits', logits), probs: s.put('A', 'probs', new Float32Array(M * V)), tg: s.put('A', 'tg', targets),
        mask: s.put('A', 'mask', mask ? Float32Array.from(mask) : new Float32Array(1)), lp: s.put('A', 'lp', new Float32Array(M)), ent: s.put('A', 'ent', new Float32Array(M)),
        last: s.put('A', 'last', last), pos: s.put('A', 'pos', pos), sel: s.put('A', 'sel', new Float32Array(M * C)),
        dlp: s.put('D', 'dlp', dlp), dlogits: s.put('D', 'dlogits', dl0), dsel: s.put('D', 'dsel', dsel), dlast: s.put('D', 'dlast', dlast0) };
      const got = await s.run((ops, b) => {
        ops.logprobForward(b, o.lp, o.ent, o.probs, o.logits, o.tg, mask ? o.mask : -1, M, V, invT);
        ops.logprobBackward(b, o.dlogits, o.dlp, o.probs, o.tg, M, V, invT);
        ops.gatherRows(b, o.sel, o.last, o.pos, M, C);
        ops.scatterRows(b, o.dlast, o.dsel, o.pos, M, C);
      }, ['lp', 'probs', 'ent', 'dlogits', 'sel', 'dlast']);
      expectClose(got, { lp, probs, ent, dlogits, sel, dlast });
    });
  }
});

gpuDescribe(`WGSL kernels vs the CPU reference: gradient norm and AdamW${skipped}`, () => {
  test('global gradient norm, clipping and AdamW (decayed ranges, unclipped G kept)', async () => {
    const n = 40_003;
    const params = rnd(n); const grads = rnd(n, 0.5); const m0 = rnd(n, 0.01); const v0 = Float32Array.from(rnd(n, 0.01), Math.abs);
    const decayed: [number, number][] = [[0, 1000], [5000, 9000]];
    const o = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, wd: 0.1, t: 3, maxNorm: 1 };
    const g = grads.slice();
    let ss = 0;
    for (const x of g) ss += x * x;
    const ref = Math.sqrt(ss);
    const k = ref > o.maxNorm ? o.maxNorm / (ref + 1e-6) : 1;
    const p = params.slice(); const m = m0.slice(); const v = v0.slice();
    const bc1 = 1 - o.beta1 ** o.t; const bc2 = 1 - o.beta2 ** o.t;
    for (let i = 0; i < n; i++) {
      const gi = g[i]! * k;
      m[i] = o.beta1 * m[i]! + (1 - o.beta1) * gi;
      v[i] = o.beta2 * v[i]! + (1 - o.beta2) * gi * gi;
      const dec = decayed.some(([a, b]) => i >= a && i < b) ? o.wd * p[i]! : 0;
      p[i] = p[i]! - o.lr * ((m[i]! / bc1) / (Math.sqrt(v[i]! / bc2) + o.eps) + dec);
    }
    const rt = runtime();
    const ops = new GpuOps(rt);
    const P = rt.buffer(n); const G = rt.buffer(n); const Mo = rt.buffer(n); const Vo = rt.buffer(n); const A = rt.buffer(1); const D = rt.buffer(300);
    rt.write(P, 0, params); rt.write(G, 0, grads); rt.write(Mo, 0, m0); rt.write(Vo, 0, v0);
    ops.gradNorm([P, G, A, D], 0, n, 0, 260);
    const gotNorm = (await rt.read(D, 260, 1))[0] as number;
    expect(Math.abs(gotNorm - ref) / ref).toBeLessThan(1e-5);
    const clip = gotNorm > o.maxNorm ? o.maxNorm / (gotNorm + 1e-6) : 1;
    ops.adamw([P, G, Mo, Vo], n, decayed, { lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, wd: o.wd, bc1, bc2, clip });
    expectClose({ p: await rt.read(P, 0, n), m: await rt.read(Mo, 0, n), v: await rt.read(Vo, 0, n), g: await rt.read(G, 0, n) }, { p, m, v, g: grads });
  });
});
