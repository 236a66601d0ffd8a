// WGSL twins of the reference kernels (sim/model/cpu/kernels.ts). Each shader sees the buffers
// described in runtime.ts and reads its sizes and element offsets from uniforms: ui(k) is the k-th
// integer, uf(k) the k-th float. Backward kernels accumulate (+=), like their CPU references.
//
// Workgroups have 64 invocations (compatibility mode allows at most 128); matmul tiles are 32×32
// outputs per 8×8 workgroup, each invocation computing a 4×4 block, K staged 32 at a time through
// workgroup memory (few barriers: on llvmpipe each one is costly).

const UNIFORMS = /* wgsl */ `
struct Uni { v: array<vec4<u32>, 8> }
@group(0) @binding(4) var<uniform> U: Uni;
fn ui(k: u32) -> u32 { return U.v[k / 4u][k % 4u]; }
fn uf(k: u32) -> f32 { return bitcast<f32>(U.v[(k + 16u) / 4u][(k + 16u) % 4u]); }
`;

const LAYER = /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<f32>;
@group(0) @binding(1) var<storage, read_write> G: array<f32>;
@group(0) @binding(2) var<storage, read_write> A: array<f32>;
@group(0) @binding(3) var<storage, read_write> D: array<f32>;
${UNIFORMS}
fn flat(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>) -> u32 { return (wid.y * nwg.x + wid.x) * 64u + lid.x; }
fn idx(x: f32) -> u32 { return bitcast<u32>(x); }
`;

const OPT = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> P: array<f32>;
@group(0) @binding(1) var<storage, read> G: array<f32>;
@group(0) @binding(2) var<storage, read_write> Mo: array<f32>;
@group(0) @binding(3) var<storage, read_write> Vo: array<f32>;
${UNIFORMS}
`;

const ELEMENTWISE_HEAD = '@compute @workgroup_size(64) fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>)';
const ROW_HEAD = '@compute @workgroup_size(64) fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>)';

/**
 * 64-wide tree reductions in workgroup memory; every invocation must call them. Each reduction has
 * its own array: with one shared array, llvmpipe let a later reduction's first write overtake an
 * earlier result's read (the variance came out wrong while the mean was right).
 */
function reducer(k: number): string {
  return `
var<workgroup> red${k}: array<f32, 64>;
fn reduceSum${k}(x: f32, l: u32) -> f32 {
  workgroupBarrier();
  red${k}[l] = x;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (l < s) { red${k}[l] = red${k}[l] + red${k}[l + s]; }
    workgroupBarrier();
  }
  return red${k}[0];
}
`;
}
const REDUCE = reducer(1) + reducer(2);

export const SOURCES: Record<string, { kind: 'layer' | 'opt'; code: string }> = {};
function layer(name: string, body: string): void {
  SOURCES[name] = { kind: 'layer', code: LAYER + body };
}

// --- embeddings: ints n, C, T, out(A), tokens(A), wte(P), wpe(P)
layer('encoder_fwd', `${ELEMENTWISE_HEAD} {
  let i = flat(wid, nwg, lid); if (i >= ui(0u)) { return; }
  let C = ui(1u); let bt = i / C; let c = i % C; let t = bt % ui(2u);
  let tok = idx(A[ui(4u) + bt]);
  A[ui(3u) + i] = P[ui(5u) + tok * C + c] + P[ui(6u) + t * C + c];
}`);
// dwte: ints V·C, C, dout(D), dwte(G), csr(A: V+1 starts), list(A: positions sorted by token)
layer('encoder_bwd_wte', `${ELEMENTWISE_HEAD} {
  let i = flat(wid, nwg, lid); if (i >= ui(0u)) { return; }
  let C = ui(1u); let v = i / C; let c = i % C;
  var s = 0.0;
  for (var j = idx(A[ui(4u) + v]); j < idx(A[ui(4u) + v + 1u]); j++) { s += D[ui(2u) + idx(A[ui(5u) + j]) * C + c]; }
  G[ui(3u) + i] += s;
}`);
// dwpe: ints T·C, C, T, B, dout(D), dwpe(G)
layer('encoder_bwd_wpe', `${ELEMENTWISE_HEAD} {
  let i = flat(wid, nwg, lid); if (i >= ui(0u)) { return; }
  let C = ui(1u); let T = ui(2u); let t = i / C; let c = i % C;
  var s = 0.0;
  for (var b = 0u; b < ui(3u); b++) { s += D[ui(4u) + (b * T + t) * C + c]; }
  G[ui(5u) + i] += s;
}`);

// --- layer norm: one workgroup per row. ints N, C, out(A), mean(A), rstd(A), inp(A), w(P), b(P)
layer('layernorm_fwd', `${REDUCE}
${ROW_HEAD} {
  let n = wid.y * nwg.x + wid.x; let l = lid.x; let C = ui(1u);
  if (n >= ui(0u)) { return; }
  let x = ui(5u) + n * C;
  var s = 0.0;
  for (var i = l; i < C; i += 64u) { s += A[x + i]; }
  let m = reduceSum1(s, l) / f32(C);
  var v = 0.0;
  for (var i = l; i < C; i += 64u) { let d = A[x + i] - m; v += d * d; }
  let rs = 1.0 / sqrt(reduceSum2(v, l) / f32(C) + 1e-5);
  for (var i = l; i < C; i += 64u) { A[ui(2u) + n * C + i] = (A[x + i] - m) * rs * P[ui(6u) + i] + P[ui(7u) + i]; }
  if (l == 0u) { A[ui(3u) + n] = m; A[ui(4u) + n] = rs; }
}`);
// dinp: ints N, C, dinp(D), dout(D), inp(A), w(P), mean(A), rstd(A)
layer('layernorm_bwd_dx', `${REDUCE}
${ROW_HEAD} {
  let n = wid.y * nwg.x + wid.x; let l = lid.x; let C = ui(1u);
  if (n >= ui(0u)) { return; }
  let m = A[ui(6u) + n]; let rs = A[ui(7u) + n];
  let x = ui(4u) + n * C; let dy = ui(3u) + n * C;
  var a = 0.0; var b = 0.0;
  for (var i = l; i < C; i += 64u) { let dn = P[ui(5u) + i] * D[dy + i]; a += dn; b += dn * (A[x + i] - m) * rs; }
  let dm = reduceSum1(a, l) / f32(C); let dnm = reduceSum2(b, l) / f32(C);
  for (var i = l; i < C; i += 64u) {
    let norm = (A[x + i] - m) * rs; let dn = P[ui(5u) + i] * D[dy + i];
    D[ui(2u) + n * C + i] += (dn - dm - norm * dnm) * rs;
  }
}`);
// dw, db (one invocation per channel, rows in order): ints N, C, dw(G), db(G), dout(D), inp(A), mean(A), rstd(A)
layer('layernorm_bwd_dw', `${ELEMENTWISE_HEAD} {
  let i = flat(wid, nwg, lid); let C = ui(1u); if (i >= C) { return; }
  var dw = 0.0; var db = 0.0;
  for (var n = 0u; n < ui(0u); n++) {
    let d = D[ui(4u) + n * C + i];
    db += d; dw += (A[ui(5u) + n * C + i] - A[ui(6u) + n]) * A[ui(7u) + n] * d;
  }
  G[ui(2u) + i] += dw; G[ui(3u) + i] += db;
}`);

/**
 * out[m, n] (+)= Σ_k a[m, k]·b[k, n] (+ bias[n]) with arbitrary strides, tiled through workgroup
 * memory. ints M, N, K, aoff, sam, sak, boff, sbk, sbn, coff, ldc, accumulate, biasoff(P), hasBias.
 */
function matmul(out: BufName3, a: BufName3, b: BufName3): string {
  // Accumulators are four vec4 registers (no dynamically indexed local array: llvmpipe spills those).
  return /* wgsl */ `
var<workgroup> As: array<f32, 1024>;
var<workgroup> Bs: array<f32, 1024>;
fn put(m: u32, n: u32, v: f32) {
  if (m < ui(0u) && n < ui(1u)) {
    var x = v;
    if (ui(13u) != 0u) { x += P[ui(12u) + n]; }
    let o = ui(9u) + m * ui(10u) + n;
    if (ui(11u) != 0u) { ${out}[o] += x; } else { ${out}[o] = x; }
  }
}
fn putRow(m: u32, n: u32, v: vec4<f32>) { put(m, n, v.x); put(m, n + 8u, v.y); put(m, n + 16u, v.z); put(m, n + 24u, v.w); }
@compute @workgroup_size(8, 8) fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = ui(0u); let N = ui(1u); let K = ui(2u);
  let aoff = ui(3u); let sam = ui(4u); let sak = ui(5u); let boff = ui(6u); let sbk = ui(7u); let sbn = ui(8u);
  let tm = wid.y * 32u; let tn = wid.x * 32u; let l = lid.y * 8u + lid.x;
  var c0 = vec4<f32>(0.0); var c1 = vec4<f32>(0.0); var c2 = vec4<f32>(0.0); var c3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < K; k0 += 32u) {
    for (var r = 0u; r < 16u; r++) {
      let e = l + 64u * r;
      let am = tm + e / 32u; let ak = k0 + e % 32u;
      var av = 0.0;
      if (am < M && ak < K) { av = ${a}[aoff + am * sam + ak * sak]; }
      As[e] = av;
      let bk = k0 + e / 32u; let bn = tn + e % 32u;
      var bv = 0.0;
      if (bk < K && bn < N) { bv = ${b}[boff + bk * sbk + bn * sbn]; }
      Bs[e] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 32u; kk++) {
      let bb = vec4<f32>(Bs[kk * 32u + lid.x], Bs[kk * 32u + lid.x + 8u], Bs[kk * 32u + lid.x + 16u], Bs[kk * 32u + lid.x + 24u]);
      c0 += As[lid.y * 32u + kk] * bb;
      c1 += As[(lid.y + 8u) * 32u + kk] * bb;
      c2 += As[(lid.y + 16u) * 32u + kk] * bb;
      c3 += As[(lid.y + 24u) * 32u + kk] * bb;
    }
    workgroupBarrier();
  }
  putRow(tm + lid.y, tn + lid.x, c0);
  putRow(tm + lid.y + 8u, tn + lid.x, c1);
  putRow(tm + lid.y + 16u, tn + lid.x, c2);
  putRow(tm + lid.y + 24u, tn + lid.x, c3);
}`;
}
type BufName3 = 'P' | 'G' | 'A' | 'D';
layer('matmul_fwd', matmul('A', 'A', 'P'));
layer('matmul_dx', matmul('D', 'D', 'P'));
layer('matmul_dw', matmul('G', 'D', 'A'));
// dbias[o] += Σ_n dout[n, o]: ints N, OC, dbias(G), dout(D)
layer('bias_bwd', `${ELEMENTWISE_HEAD} {
  let o = flat(wid, nwg, lid); let OC = ui(1u); if (o >= OC) { return; }
  var s = 0.0;
  for (var n = 0u; n < ui(0u); n++) { s += D[ui(3u) + n * OC + o]; }
  G[ui(2u) + o] += s;
}`);

// --- causal attention: one invocation per (b, t, h). ints B, T, C, NH, out(A), att(A), qkv(A); floats scale
layer('attention_fwd', `${ELEMENTWISE_HEAD} {
  let B = ui(0u); let T = ui(1u); let C = ui(2u); let NH = ui(3u);
  let i = flat(wid, nwg, lid); if (i >= B * T * NH) { return; }
  let h = i % NH; let t = (i / NH) % T; let b = i / (NH * T);
  let hs = C / NH; let C3 = 3u * C; let scale = uf(0u);
  let q = ui(6u) + (b * T + t) * C3 + h * hs;
  let row = ui(5u) + ((b * NH + h) * T + t) * T;
  var maxv = -3.0e38;
  for (var t2 = 0u; t2 <= t; t2++) {
    let k = ui(6u) + (b * T + t2) * C3 + h * hs + C;
    var s = 0.0;
    for (var j = 0u; j < hs; j++) { s += A[q + j] * A[k + j]; }
    s *= scale; A[row + t2] = s; maxv = max(maxv, s);
  }
  var sum = 0.0;
  for (var t2 = 0u; t2 <= t; t2++) { let e = exp(A[row + t2] - maxv); A[row + t2] = e; sum += e; }
  let inv = 1.0 / sum;
  for (var t2 = 0u; t2 < T; t2++) { A[row + t2] = select(0.0, A[row + t2] * inv, t2 <= t); }
  let o = ui(4u) + (b * T + t) * C + h * hs;
  for (var j = 0u; j < hs; j++) {
    var s = 0.0;
    for (var t2 = 0u; t2 <= t; t2++) { s += A[row + t2] * A[ui(6u) + (b * T + t2) * C3 + h * hs + 2u * C + j]; }
    A[o + j] = s;
  }
}`);
// per (b, t, h): dpre row (into scratch, already × scale) and dq. ints B, T, C, NH, dqkv(D), scratch(D), dout(D), qkv(A), att(A); floats scale
layer('attention_bwd_q', `${ELEMENTWISE_HEAD} {
  let B = ui(0u); let T = ui(1u); let C = ui(2u); let NH = ui(3u);
  let i = flat(wid, nwg, lid); if (i >= B * T * NH) { return; }
  let h = i % NH; let t = (i / NH) % T; let b = i / (NH * T);
  let hs = C / NH; let C3 = 3u * C; let scale = uf(0u);
  let row = ((b * NH + h) * T + t) * T;
  let o = ui(6u) + (b * T + t) * C + h * hs;
  var dot = 0.0;
  for (var t2 = 0u; t2 <= t; t2++) {
    let v = ui(7u) + (b * T + t2) * C3 + h * hs + 2u * C;
    var s = 0.0;
    for (var j = 0u; j < hs; j++) { s += A[v + j] * D[o + j]; }
    D[ui(5u) + row + t2] = s; dot += A[ui(8u) + row + t2] * s;
  }
  for (var t2 = 0u; t2 <= t; t2++) { D[ui(5u) + row + t2] = A[ui(8u) + row + t2] * (D[ui(5u) + row + t2] - dot) * scale; }
  let dq = ui(4u) + (b * T + t) * C3 + h * hs;
  for (var j = 0u; j < hs; j++) {
    var s = 0.0;
    for (var t2 = 0u; t2 <= t; t2++) { s += D[ui(5u) + row + t2] * A[ui(7u) + (b * T + t2) * C3 + h * hs + C + j]; }
    D[dq + j] += s;
  }
}`);
// per (b, t2, h): dk and dv over the later positions t ≥ t2. Same uniforms as attention_bwd_q.
layer('attention_bwd_kv', `${ELEMENTWISE_HEAD} {
  let B = ui(0u); let T = ui(1u); let C = ui(2u); let NH = ui(3u);
  let i = flat(wid, nwg, lid); if (i >= B * T * NH) { return; }
  let h = i % NH; let t2 = (i / NH) % T; let b = i / (NH * T);
  let hs = C / NH; let C3 = 3u * C;
  let dk = ui(4u) + (b * T + t2) * C3 + h * hs + C;
  for (var j = 0u; j < hs; j++) {
    var sk = 0.0; var sv = 0.0;
    for (var t = t2; t < T; t++) {
      let row = ((b * NH + h) * T + t) * T + t2;
      sk += D[ui(5u) + row] * A[ui(7u) + (b * T + t) * C3 + h * hs + j];
      sv += A[ui(8u) + row] * D[ui(6u) + (b * T + t) * C + h * hs + j];
    }
    D[dk + j] += sk; D[dk + C + j] += sv;
  }
}`);

// --- GELU (tanh form); u is clamped because tanh of a large argument can be NaN on some drivers.
const GELU = 'const GK: f32 = 0.7978845608028654;\nfn th(x: f32) -> f32 { return tanh(clamp(GK * (x + 0.044715 * x * x * x), -15.0, 15.0)); }\n';
// ints n, out(A), inp(A)
layer('gelu_fwd', `${GELU}${ELEMENTWISE_HEAD} {
  let i = flat(wid, nwg, lid); if (i >= ui(0u)) { return; }
  let x = A[ui(2u) + i]; A[ui(1u) + i] = 0.5 * x * (1.0 + th(x));
}`);
// ints n, dinp(D), inp(A), dout(D)
layer('gelu_bwd', `${GELU}${ELEMENTWISE_HEAD} {
  let i = flat(wid, nwg, lid); if (i >= ui(0u)) { return; }
  let x = A[ui(2u) + i]; let t = th(x);
  let g = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * GK * (1.0 + 3.0 * 0.044715 * x * x);
  D[ui(1u) + i] += g * D[ui(3u) + i];
}`);

// --- residual: ints n, out(A), a(A), b(A) / n, da(D), db(D), dout(D)
layer('residual_fwd', `${ELEMENTWISE_HEAD} {
  let i = flat(wid, nwg, lid); if (i >= ui(0u)) { return; }
  A[ui(1u) + i] = A[ui(2u) + i] + A[ui(3u) + i];
}`);
layer('residual_bwd', `${ELEMENTWISE_HEAD} {
  let i = flat(wid, nwg, lid); if (i >= ui(0u)) { return; }
  let d = D[ui(3u) + i]; D[ui(1u) + i] += d; D[ui(2u) + i] += d;
}`);

// --- the scored-row head
// gather: ints M·C, C, sel(A), last(A), pos(A)
layer('gather_rows', `${ELEMENTWISE_HEAD} {
  let i = flat(wid, nwg, lid); if (i >= ui(0u)) { return; }
  let C = ui(1u); let r = i / C; let c = i % C;
  A[ui(2u) + i] = A[ui(3u) + idx(A[ui(4u) + r]) * C + c];
}`);
// scatter-add, rows in order per channel (positions may repeat): ints M, C, dlast(D), dsel(D), pos(A)
layer('scatter_rows', `${ELEMENTWISE_HEAD} {
  let c = flat(wid, nwg, lid); let C = ui(1u); if (c >= C) { return; }
  for (var r = 0u; r < ui(0u); r++) { D[ui(2u) + idx(A[ui(4u) + r]) * C + c] += D[ui(3u) + r * C + c]; }
}`);
// masked tempered log-softmax + entropy, one invocation per row:
// ints M, V, logits(A), probs(A), targets(A), mask(A, 0/1 floats), hasMask, logprobs(A), entropy(A); floats invT
layer('logprob_fwd', `${ELEMENTWISE_HEAD} {
  let m = flat(wid, nwg, lid); if (m >= ui(0u)) { return; }
  let V = ui(1u); let r = m * V; let invT = uf(0u); let hasMask = ui(6u) != 0u;
  var maxv = -3.0e38;
  for (var i = 0u; i < V; i++) {
    if (hasMask && A[ui(5u) + r + i] == 0.0) { continue; }
    maxv = max(maxv, A[ui(2u) + r + i] * invT);
  }
  var sum = 0.0;
  for (var i = 0u; i < V; i++) {
    var e = 0.0;
    if (!hasMask || A[ui(5u) + r + i] != 0.0) { e = exp(A[ui(2u) + r + i] * invT - maxv); }
    A[ui(3u) + r + i] = e; sum += e;
  }
  var h = 0.0;
  for (var i = 0u; i < V; i++) {
    let p = A[ui(3u) + r + i] / sum; A[ui(3u) + r + i] = p;
    if (p > 0.0) { h -= p * log(p); }
  }
  let tgt = idx(A[ui(4u) + m]);
  A[ui(7u) + m] = A[ui(2u) + r + tgt] * invT - maxv - log(sum);
  A[ui(8u) + m] = h;
}`);
// ints M·V, V, dlogits(D), dlogprobs(D), probs(A), targets(A); floats invT
layer('logprob_bwd', `${ELEMENTWISE_HEAD} {
  let i = flat(wid, nwg, lid); if (i >= ui(0u)) { return; }
  let V = ui(1u); let m = i / V; let c = i % V;
  let d = D[ui(3u) + m] * uf(0u);
  var g = -d * A[ui(4u) + i];
  if (c == idx(A[ui(5u) + m])) { g += d; }
  D[ui(2u) + i] += g;
}`);

// --- fill: ints n, off, which (0: D, 1: G, 2: A); floats value
layer('fill', `${ELEMENTWISE_HEAD} {
  let i = flat(wid, nwg, lid); if (i >= ui(0u)) { return; }
  let at = ui(1u) + i; let v = uf(0u);
  if (ui(2u) == 0u) { D[at] = v; } else if (ui(2u) == 1u) { G[at] = v; } else { A[at] = v; }
}`);

// --- global gradient norm: 256 workgroups of partial sums of squares, then one workgroup.
export const NORM_GROUPS = 256;
// ints n, G offset, partials(D)
layer('sumsq_partial', `${REDUCE}
@compute @workgroup_size(64) fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  var s = 0.0;
  for (var i = wid.x * 64u + lid.x; i < ui(0u); i += ${NORM_GROUPS * 64}u) { let g = G[ui(1u) + i]; s += g * g; }
  let r = reduceSum1(s, lid.x);
  if (lid.x == 0u) { D[ui(2u) + wid.x] = r; }
}`);
// ints partials(D), out(D): out = sqrt(Σ partials)
layer('sumsq_final', `${REDUCE}
@compute @workgroup_size(64) fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  var s = 0.0;
  for (var i = lid.x; i < ${NORM_GROUPS}u; i += 64u) { s += D[ui(0u) + i]; }
  let r = reduceSum1(s, lid.x);
  if (lid.x == 0u) { D[ui(1u)] = sqrt(r); }
}`);

// --- AdamW with the clip folded in (G keeps the unclipped gradients for readGradients); the clip
// factor comes from the gradient norm the backward pass already read back, so P, G and the two
// moment buffers are the only storage bindings (compatibility mode allows four).
// ints n, then 5 decayed [start, end) ranges (10 ints); floats lr, beta1, beta2, eps, wd, bc1, bc2, clip factor
SOURCES['adamw'] = { kind: 'opt', code: `${OPT}
@compute @workgroup_size(64) fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = (wid.y * nwg.x + wid.x) * 64u + lid.x; if (i >= ui(0u)) { return; }
  let g = G[i] * uf(7u);
  let b1 = uf(1u); let b2 = uf(2u);
  let m = b1 * Mo[i] + (1.0 - b1) * g;
  let v = b2 * Vo[i] + (1.0 - b2) * g * g;
  Mo[i] = m; Vo[i] = v;
  var decay = false;
  for (var r = 0u; r < 5u; r++) { if (i >= ui(1u + 2u * r) && i < ui(2u + 2u * r)) { decay = true; } }
  let wd = select(0.0, uf(4u) * P[i], decay);
  P[i] = P[i] - uf(0u) * ((m / uf(5u)) / (sqrt(v / uf(6u)) + uf(3u)) + wd);
}` };
