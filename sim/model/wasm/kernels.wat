;; The transformer's fast CPU kernels: WebAssembly SIMD (f32x4), float32 only.
;; Compiled by scripts/build-wasm.ts (wabt); loaded by sim/model/wasm/module.ts.
;; Every pointer is a byte offset into this module's memory; sizes are element counts.
;; The readable reference for every function here is sim/model/cpu/kernels.ts; tests in
;; test/sim/model/wasm-kernels.test.ts check each one against it on odd sizes.
(module
  (memory (export "memory") 1)

  ;; ---- matmul: out[N,M] = cin[N,M] + bias[M] + A[N,K]·B[K,M] ---------------------------------
  ;; Operands are strided views, so the model's three products need no transpose pass: forward
  ;; out = inp·Wᵀ (B read as W's transpose), backward dinp = dout·W and dW = doutᵀ·inp (A read as
  ;; dout's transpose). Element (n,k) of A sits at a + 4(n·san + k·sak), (k,m) of B at
  ;; b + 4(k·sbk + m·sbm), (n,m) of out and cin at out/cin + 4(n·ldo + m).
  ;; B is packed into panels of 16 columns (k-major, zero padded past M); A rows are read in place
  ;; (copied to row-major first when sak ≠ 1). The micro-kernel keeps a 2 × 16 tile in 8 f32x4
  ;; accumulators, broadcasting one A value per row and k (measured fastest among 4×8, 3×12, 2×16,
  ;; 1×16 here). mode: 0 full; 1 skip tiles strictly above the diagonal (m > n for every element:
  ;; causal scores); 2 A is lower triangular (k ≤ n); 3 A is upper triangular (k ≥ n).

  ;; Panels of B: dst[j][k][c] = B(k, 16j + c), zero for columns ≥ M.
  (func $packB (export "gemm_pack_b") (param $dst i32) (param $b i32) (param $sbk i32) (param $sbm i32) (param $K i32) (param $M i32)
    (local $m0 i32) (local $k i32) (local $c i32) (local $src i32)
    (local.set $sbk (i32.shl (local.get $sbk) (i32.const 2)))
    (local.set $sbm (i32.shl (local.get $sbm) (i32.const 2)))
    (block $done (loop $cols
      (br_if $done (i32.ge_s (local.get $m0) (local.get $M)))
      (local.set $src (i32.add (local.get $b) (i32.mul (local.get $m0) (local.get $sbm))))
      (if (i32.and (i32.eq (local.get $sbm) (i32.const 4)) (i32.le_s (i32.add (local.get $m0) (i32.const 16)) (local.get $M)))
        (then
          ;; Row-major and a full panel: sixteen adjacent values per k.
          (local.set $k (local.get $K))
          (block $kd (loop $kl
            (br_if $kd (i32.eqz (local.get $k)))
            (v128.store (local.get $dst) (v128.load (local.get $src)))
            (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
            (v128.store offset=32 (local.get $dst) (v128.load offset=32 (local.get $src)))
            (v128.store offset=48 (local.get $dst) (v128.load offset=48 (local.get $src)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
            (local.set $src (i32.add (local.get $src) (local.get $sbk)))
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br $kl))))
        (else
          (local.set $k (i32.const 0))
          (if (i32.and (i32.eq (local.get $sbk) (i32.const 4)) (i32.le_s (i32.add (local.get $m0) (i32.const 16)) (local.get $M)))
            (then
              ;; Columns contiguous along k (a weight W[M,K] read as Wᵀ): 4×4 transposes.
              (block $kd (loop $kl
                (br_if $kd (i32.gt_s (i32.add (local.get $k) (i32.const 4)) (local.get $K)))
                (local.set $c (i32.const 0))
                (block $cd (loop $cl
                  (br_if $cd (i32.ge_s (local.get $c) (i32.const 16)))
                  (call $transpose4 (i32.add (local.get $dst) (i32.shl (i32.add (i32.shl (local.get $k) (i32.const 4)) (local.get $c)) (i32.const 2))) (i32.const 64)
                                    (i32.add (i32.add (local.get $src) (i32.mul (local.get $c) (local.get $sbm))) (i32.shl (local.get $k) (i32.const 2))) (local.get $sbm))
                  (local.set $c (i32.add (local.get $c) (i32.const 4)))
                  (br $cl)))
                (local.set $k (i32.add (local.get $k) (i32.const 4)))
                (br $kl)))
              (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 6))))))
          (block $kd (loop $kl
            (br_if $kd (i32.ge_s (local.get $k) (local.get $K)))
            (local.set $c (i32.const 0))
            (block $cd (loop $cl
              (br_if $cd (i32.ge_s (local.get $c) (i32.const 16)))
              (if (i32.lt_s (i32.add (local.get $m0) (local.get $c)) (local.get $M))
                (then (f32.store (local.get $dst) (f32.load (i32.add (local.get $src)
                  (i32.add (i32.mul (local.get $k) (local.get $sbk)) (i32.mul (local.get $c) (local.get $sbm)))))))
                (else (f32.store (local.get $dst) (f32.const 0))))
              (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
              (local.set $c (i32.add (local.get $c) (i32.const 1)))
              (br $cl)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $kl)))))
      (local.set $m0 (i32.add (local.get $m0) (i32.const 16)))
      (br $cols))))

  ;; Rows i of dst (stride ds bytes) = columns i of the 4×4 block at src (rows j at stride ss).
  (func $transpose4 (param $dst i32) (param $ds i32) (param $src i32) (param $ss i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $v0 (v128.load (local.get $src)))
    (local.set $v1 (v128.load (i32.add (local.get $src) (local.get $ss))))
    (local.set $v2 (v128.load (i32.add (local.get $src) (i32.shl (local.get $ss) (i32.const 1)))))
    (local.set $v3 (v128.load (i32.add (local.get $src) (i32.mul (local.get $ss) (i32.const 3)))))
    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
    (local.set $t1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
    (local.set $t2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
    (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1)))
    (v128.store (i32.add (local.get $dst) (local.get $ds)) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
    (v128.store (i32.add (local.get $dst) (i32.shl (local.get $ds) (i32.const 1))) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t2) (local.get $t3)))
    (v128.store (i32.add (local.get $dst) (i32.mul (local.get $ds) (i32.const 3))) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t2) (local.get $t3))))

  ;; A read across rows (sak ≠ 1, e.g. doutᵀ in dW = doutᵀ·inp) is packed as row pairs:
  ;; dst[n/2][k][n mod 2] = A(n,k), zero for a missing last row, so the micro-kernel reads both
  ;; rows of a pair from one 8-byte step. Pair by pair, writes are sequential; when the two rows
  ;; are adjacent in memory (san = 1: a transposed operand) each k is one 8-byte load.
  (func $packPairs (param $dst i32) (param $a i32) (param $san i32) (param $sak i32) (param $N i32) (param $K i32)
    (local $n i32) (local $k i32) (local $src i32) (local $full i32) (local $d i32) (local $q i32) (local $pairStride i32) (local $v v128)
    (local.set $san (i32.shl (local.get $san) (i32.const 2)))
    (local.set $sak (i32.shl (local.get $sak) (i32.const 2)))
    (local.set $pairStride (i32.shl (local.get $K) (i32.const 3)))
    ;; Transposed source, 16 rows (eight pairs, one cache line) at a time: each k reads one line
    ;; and writes one 8-byte step into each of eight pair streams.
    (if (i32.eq (local.get $san) (i32.const 4)) (then
      (block $gd (loop $gl
        (br_if $gd (i32.gt_s (i32.add (local.get $n) (i32.const 16)) (local.get $N)))
        (local.set $src (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 2))))
        (local.set $d (i32.add (local.get $dst) (i32.mul (i32.shr_u (local.get $n) (i32.const 1)) (local.get $pairStride))))
        (local.set $k (local.get $K))
        (block $kd (loop $kl
          (br_if $kd (i32.eqz (local.get $k)))
          (local.set $v (v128.load (local.get $src)))
          (i64.store (local.get $d) (i64x2.extract_lane 0 (local.get $v)))
          (i64.store (i32.add (local.get $d) (local.get $pairStride)) (i64x2.extract_lane 1 (local.get $v)))
          (local.set $q (i32.add (local.get $d) (i32.shl (local.get $pairStride) (i32.const 1))))
          (local.set $v (v128.load offset=16 (local.get $src)))
          (i64.store (local.get $q) (i64x2.extract_lane 0 (local.get $v)))
          (i64.store (i32.add (local.get $q) (local.get $pairStride)) (i64x2.extract_lane 1 (local.get $v)))
          (local.set $q (i32.add (local.get $q) (i32.shl (local.get $pairStride) (i32.const 1))))
          (local.set $v (v128.load offset=32 (local.get $src)))
          (i64.store (local.get $q) (i64x2.extract_lane 0 (local.get $v)))
          (i64.store (i32.add (local.get $q) (local.get $pairStride)) (i64x2.extract_lane 1 (local.get $v)))
          (local.set $q (i32.add (local.get $q) (i32.shl (local.get $pairStride) (i32.const 1))))
          (local.set $v (v128.load offset=48 (local.get $src)))
          (i64.store (local.get $q) (i64x2.extract_lane 0 (local.get $v)))
          (i64.store (i32.add (local.get $q) (local.get $pairStride)) (i64x2.extract_lane 1 (local.get $v)))
          (local.set $d (i32.add (local.get $d) (i32.const 8)))
          (local.set $src (i32.add (local.get $src) (local.get $sak)))
          (local.set $k (i32.sub (local.get $k) (i32.const 1)))
          (br $kl)))
        (local.set $n (i32.add (local.get $n) (i32.const 16)))
        (br $gl)))
      (local.set $dst (i32.add (local.get $dst) (i32.mul (i32.shr_u (local.get $n) (i32.const 1)) (local.get $pairStride))))))
    (block $nd (loop $nl
      (br_if $nd (i32.ge_s (local.get $n) (local.get $N)))
      (local.set $src (i32.add (local.get $a) (i32.mul (local.get $n) (local.get $san))))
      (local.set $full (i32.lt_s (i32.add (local.get $n) (i32.const 1)) (local.get $N)))
      (local.set $k (local.get $K))
      (if (i32.and (local.get $full) (i32.eq (local.get $san) (i32.const 4)))
        (then
          (block $kd (loop $kl
            (br_if $kd (i32.eqz (local.get $k)))
            (i64.store (local.get $dst) (i64.load (local.get $src)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
            (local.set $src (i32.add (local.get $src) (local.get $sak)))
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br $kl))))
        (else
          (block $kd (loop $kl
            (br_if $kd (i32.eqz (local.get $k)))
            (f32.store (local.get $dst) (f32.load (local.get $src)))
            (f32.store offset=4 (local.get $dst)
              (select (f32.load (i32.add (local.get $src) (select (local.get $san) (i32.const 0) (local.get $full)))) (f32.const 0) (local.get $full)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
            (local.set $src (i32.add (local.get $src) (local.get $sak)))
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br $kl)))))
      (local.set $n (i32.add (local.get $n) (i32.const 2)))
      (br $nl))))

  ;; Scratch bytes gemm needs: B panels (K × M rounded up to 16), A pairs ((N + 1) × K), a tile.
  (func (export "gemm_scratch") (param $N i32) (param $K i32) (param $M i32) (result i32)
    (i32.add (i32.const 128) (i32.shl (i32.add (i32.mul (i32.add (local.get $N) (i32.const 1)) (local.get $K))
      (i32.mul (local.get $K) (i32.and (i32.add (local.get $M) (i32.const 15)) (i32.const -16)))) (i32.const 2))))

  ;; A partial tile (rows ≥ N or columns ≥ M cut off): from `tile` (2 × 16) element by element.
  (func $storeTile (param $out i32) (param $ldo i32) (param $cin i32) (param $bias i32) (param $tile i32)
                   (param $n0 i32) (param $m0 i32) (param $N i32) (param $M i32)
    (local $r i32) (local $c i32) (local $nr i32) (local $nc i32) (local $o i32) (local $v f32)
    (local.set $nr (select (i32.const 2) (i32.sub (local.get $N) (local.get $n0)) (i32.le_s (i32.add (local.get $n0) (i32.const 2)) (local.get $N))))
    (local.set $nc (select (i32.const 16) (i32.sub (local.get $M) (local.get $m0)) (i32.le_s (i32.add (local.get $m0) (i32.const 16)) (local.get $M))))
    (block $rd (loop $rl
      (br_if $rd (i32.ge_s (local.get $r) (local.get $nr)))
      (local.set $c (i32.const 0))
      (block $cd (loop $cl
        (br_if $cd (i32.ge_s (local.get $c) (local.get $nc)))
        (local.set $o (i32.shl (i32.add (i32.mul (i32.add (local.get $n0) (local.get $r)) (local.get $ldo))
                                        (i32.add (local.get $m0) (local.get $c))) (i32.const 2)))
        (local.set $v (f32.load (i32.add (local.get $tile) (i32.shl (i32.add (i32.shl (local.get $r) (i32.const 4)) (local.get $c)) (i32.const 2)))))
        (if (local.get $bias) (then (local.set $v (f32.add (local.get $v)
          (f32.load (i32.add (local.get $bias) (i32.shl (i32.add (local.get $m0) (local.get $c)) (i32.const 2))))))))
        (if (local.get $cin) (then (local.set $v (f32.add (local.get $v) (f32.load (i32.add (local.get $cin) (local.get $o)))))))
        (f32.store (i32.add (local.get $out) (local.get $o)) (local.get $v))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $cl)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rl))))

  ;; out = cin + bias + A·B with B already packed by gemm_pack_b. A is contiguous along k
  ;; (row stride san), or packed in row pairs by $packPairs when pairs = 1.
  (func $gemmPacked (export "gemm_packed") (param $out i32) (param $ldo i32) (param $cin i32) (param $bias i32)
                        (param $a i32) (param $san i32) (param $pairs i32) (param $pb i32)
                        (param $N i32) (param $K i32) (param $M i32) (param $mode i32) (param $tile i32)
    (local $n0 i32) (local $m0 i32) (local $k i32) (local $kb i32) (local $ke i32) (local $bp i32)
    (local $p0 i32) (local $p1 i32) (local $o i32) (local $q i32) (local $x v128) (local $kstep i32)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $c00 v128) (local $c01 v128) (local $c02 v128) (local $c03 v128)
    (local $c10 v128) (local $c11 v128) (local $c12 v128) (local $c13 v128)
    (local.set $san (i32.shl (local.get $san) (i32.const 2)))
    (local.set $ldo (i32.shl (local.get $ldo) (i32.const 2)))
    (local.set $kstep (select (i32.const 8) (i32.const 4) (local.get $pairs)))
    ;; Panels outer: one B panel (16 columns × K) stays in L1 while every row pair streams by.
    (block $jd (loop $jl
      (br_if $jd (i32.ge_s (local.get $m0) (local.get $M)))
      (local.set $n0 (i32.const 0))
      (block $id (loop $il
        (br_if $id (i32.ge_s (local.get $n0) (local.get $N)))
        (block $skip
          (br_if $skip (i32.and (i32.eq (local.get $mode) (i32.const 1)) (i32.gt_s (local.get $m0) (i32.add (local.get $n0) (i32.const 1)))))
          (local.set $kb (select (local.get $n0) (i32.const 0) (i32.eq (local.get $mode) (i32.const 3))))
          (local.set $ke (select (select (local.get $K) (i32.add (local.get $n0) (i32.const 2)) (i32.lt_s (local.get $K) (i32.add (local.get $n0) (i32.const 2))))
                                 (local.get $K) (i32.eq (local.get $mode) (i32.const 2))))
          (if (local.get $pairs)
            (then
              (local.set $p0 (i32.add (i32.add (local.get $a) (i32.shl (i32.mul (local.get $n0) (local.get $K)) (i32.const 2))) (i32.shl (local.get $kb) (i32.const 3))))
              (local.set $p1 (i32.add (local.get $p0) (i32.const 4))))
            (else
              (local.set $p0 (i32.add (i32.add (local.get $a) (i32.mul (local.get $n0) (local.get $san))) (i32.shl (local.get $kb) (i32.const 2))))
              ;; The last row of an odd N: row 1 repeats row 0 and is not stored.
              (local.set $p1 (select (i32.add (local.get $p0) (local.get $san)) (local.get $p0) (i32.lt_s (i32.add (local.get $n0) (i32.const 1)) (local.get $N))))))
          (local.set $bp (i32.add (local.get $pb) (i32.shl (i32.add (i32.mul (local.get $m0) (local.get $K)) (i32.shl (local.get $kb) (i32.const 4))) (i32.const 2))))
          (local.set $c00 (v128.const i32x4 0 0 0 0)) (local.set $c01 (v128.const i32x4 0 0 0 0))
          (local.set $c02 (v128.const i32x4 0 0 0 0)) (local.set $c03 (v128.const i32x4 0 0 0 0))
          (local.set $c10 (v128.const i32x4 0 0 0 0)) (local.set $c11 (v128.const i32x4 0 0 0 0))
          (local.set $c12 (v128.const i32x4 0 0 0 0)) (local.set $c13 (v128.const i32x4 0 0 0 0))
          (local.set $k (i32.sub (local.get $ke) (local.get $kb)))
          (block $kd (loop $kl
            (br_if $kd (i32.le_s (local.get $k) (i32.const 0)))
            (local.set $b0 (v128.load (local.get $bp)))
            (local.set $b1 (v128.load offset=16 (local.get $bp)))
            (local.set $b2 (v128.load offset=32 (local.get $bp)))
            (local.set $b3 (v128.load offset=48 (local.get $bp)))
            (local.set $x (v128.load32_splat (local.get $p0)))
            (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
            (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
            (local.set $c02 (f32x4.add (local.get $c02) (f32x4.mul (local.get $x) (local.get $b2))))
            (local.set $c03 (f32x4.add (local.get $c03) (f32x4.mul (local.get $x) (local.get $b3))))
            (local.set $x (v128.load32_splat (local.get $p1)))
            (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
            (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
            (local.set $c12 (f32x4.add (local.get $c12) (f32x4.mul (local.get $x) (local.get $b2))))
            (local.set $c13 (f32x4.add (local.get $c13) (f32x4.mul (local.get $x) (local.get $b3))))
            (local.set $p0 (i32.add (local.get $p0) (local.get $kstep)))
            (local.set $p1 (i32.add (local.get $p1) (local.get $kstep)))
            (local.set $bp (i32.add (local.get $bp) (i32.const 64)))
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br $kl)))
          (if (i32.and (i32.le_s (i32.add (local.get $n0) (i32.const 2)) (local.get $N))
                       (i32.le_s (i32.add (local.get $m0) (i32.const 16)) (local.get $M)))
            (then
              (if (local.get $bias) (then
                (local.set $q (i32.add (local.get $bias) (i32.shl (local.get $m0) (i32.const 2))))
                (local.set $x (v128.load (local.get $q)))
                (local.set $c00 (f32x4.add (local.get $c00) (local.get $x))) (local.set $c10 (f32x4.add (local.get $c10) (local.get $x)))
                (local.set $x (v128.load offset=16 (local.get $q)))
                (local.set $c01 (f32x4.add (local.get $c01) (local.get $x))) (local.set $c11 (f32x4.add (local.get $c11) (local.get $x)))
                (local.set $x (v128.load offset=32 (local.get $q)))
                (local.set $c02 (f32x4.add (local.get $c02) (local.get $x))) (local.set $c12 (f32x4.add (local.get $c12) (local.get $x)))
                (local.set $x (v128.load offset=48 (local.get $q)))
                (local.set $c03 (f32x4.add (local.get $c03) (local.get $x))) (local.set $c13 (f32x4.add (local.get $c13) (local.get $x)))))
              (local.set $o (i32.add (i32.mul (local.get $n0) (local.get $ldo)) (i32.shl (local.get $m0) (i32.const 2))))
              (if (local.get $cin) (then
                (local.set $q (i32.add (local.get $cin) (local.get $o)))
                (local.set $c00 (f32x4.add (local.get $c00) (v128.load (local.get $q))))
                (local.set $c01 (f32x4.add (local.get $c01) (v128.load offset=16 (local.get $q))))
                (local.set $c02 (f32x4.add (local.get $c02) (v128.load offset=32 (local.get $q))))
                (local.set $c03 (f32x4.add (local.get $c03) (v128.load offset=48 (local.get $q))))
                (local.set $q (i32.add (local.get $q) (local.get $ldo)))
                (local.set $c10 (f32x4.add (local.get $c10) (v128.load (local.get $q))))
                (local.set $c11 (f32x4.add (local.get $c11) (v128.load offset=16 (local.get $q))))
                (local.set $c12 (f32x4.add (local.get $c12) (v128.load offset=32 (local.get $q))))
                (local.set $c13 (f32x4.add (local.get $c13) (v128.load offset=48 (local.get $q))))))
              (local.set $o (i32.add (local.get $out) (local.get $o)))
              (v128.store (local.get $o) (local.get $c00)) (v128.store offset=16 (local.get $o) (local.get $c01))
              (v128.store offset=32 (local.get $o) (local.get $c02)) (v128.store offset=48 (local.get $o) (local.get $c03))
              (local.set $o (i32.add (local.get $o) (local.get $ldo)))
              (v128.store (local.get $o) (local.get $c10)) (v128.store offset=16 (local.get $o) (local.get $c11))
              (v128.store offset=32 (local.get $o) (local.get $c12)) (v128.store offset=48 (local.get $o) (local.get $c13)))
            (else
              (v128.store (local.get $tile) (local.get $c00)) (v128.store offset=16 (local.get $tile) (local.get $c01))
              (v128.store offset=32 (local.get $tile) (local.get $c02)) (v128.store offset=48 (local.get $tile) (local.get $c03))
              (v128.store offset=64 (local.get $tile) (local.get $c10)) (v128.store offset=80 (local.get $tile) (local.get $c11))
              (v128.store offset=96 (local.get $tile) (local.get $c12)) (v128.store offset=112 (local.get $tile) (local.get $c13))
              (call $storeTile (local.get $out) (i32.shr_u (local.get $ldo) (i32.const 2)) (local.get $cin) (local.get $bias) (local.get $tile)
                               (local.get $n0) (local.get $m0) (local.get $N) (local.get $M)))))
        (local.set $n0 (i32.add (local.get $n0) (i32.const 2)))
        (br $il)))
      (local.set $m0 (i32.add (local.get $m0) (i32.const 16)))
      (br $jl))))

  (func (export "gemm") (param $out i32) (param $ldo i32) (param $cin i32) (param $bias i32)
                        (param $a i32) (param $san i32) (param $sak i32) (param $b i32) (param $sbk i32) (param $sbm i32)
                        (param $N i32) (param $K i32) (param $M i32) (param $mode i32) (param $scratch i32)
    (local $pb i32) (local $pa i32)
    (local.set $pb (i32.add (local.get $scratch) (i32.const 128)))
    (local.set $pa (i32.add (local.get $pb) (i32.shl (i32.mul (local.get $K) (i32.and (i32.add (local.get $M) (i32.const 15)) (i32.const -16))) (i32.const 2))))
    (call $packB (local.get $pb) (local.get $b) (local.get $sbk) (local.get $sbm) (local.get $K) (local.get $M))
    (if (i32.ne (local.get $sak) (i32.const 1)) (then
      (call $packPairs (local.get $pa) (local.get $a) (local.get $san) (local.get $sak) (local.get $N) (local.get $K))
      (local.set $a (local.get $pa))
      (local.set $sak (i32.const 0))))
    (call $gemmPacked (local.get $out) (local.get $ldo) (local.get $cin) (local.get $bias) (local.get $a) (local.get $san) (i32.eqz (local.get $sak)) (local.get $pb)
                      (local.get $N) (local.get $K) (local.get $M) (local.get $mode) (local.get $scratch)))

  ;; ---- helpers --------------------------------------------------------------------------------
  (func $hsum (param $v v128) (result f32)
    (f32.add (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
             (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  (func $hmax (param $v v128) (result f32)
    (f32.max (f32.max (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
             (f32.max (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; e^x per lane (Cephes expf: range reduction by ln 2 in two parts, degree-5 polynomial, 2^n
  ;; through the exponent bits); within 2 ulp of the float64 result for x in [-87.3, 88.3],
  ;; inputs clamped there (e^x below that is < 1.2e-38, irrelevant next to 1 in a softmax).
  ;; n = round(x·log2 e) by adding 1.5·2²³: the sum's low mantissa bits then hold n + 2²²,
  ;; so 2^n's exponent bits come from one integer subtraction (no nearest/trunc_sat pair).
  (func $exp4 (param $x v128) (result v128)
    (local $r v128) (local $n v128) (local $y v128) (local $z v128)
    (local.set $x (f32x4.pmin (f32x4.pmax (local.get $x) (f32x4.splat (f32.const -87.3))) (f32x4.splat (f32.const 88.3))))
    (local.set $r (f32x4.add (f32x4.mul (local.get $x) (f32x4.splat (f32.const 1.44269504088896341))) (f32x4.splat (f32.const 12582912))))
    (local.set $n (f32x4.sub (local.get $r) (f32x4.splat (f32.const 12582912))))
    (local.set $x (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375)))))
    (local.set $x (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))
    (local.set $z (f32x4.mul (local.get $x) (local.get $x)))
    (local.set $y (f32x4.splat (f32.const 1.9875691500e-4)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $x)) (f32x4.splat (f32.const 1.3981999507e-3))))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $x)) (f32x4.splat (f32.const 8.3334519073e-3))))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $x)) (f32x4.splat (f32.const 4.1665795894e-2))))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $x)) (f32x4.splat (f32.const 1.6666665459e-1))))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $x)) (f32x4.splat (f32.const 5.0000001201e-1))))
    (local.set $y (f32x4.add (f32x4.add (f32x4.mul (local.get $y) (local.get $z)) (local.get $x)) (f32x4.splat (f32.const 1))))
    ;; bits(r) − bits(1.5·2²³) + 127 = n + 127, the biased exponent of 2^n
    (f32x4.mul (local.get $y) (i32x4.shl (i32x4.sub (local.get $r) (i32x4.splat (i32.const 0x4B3FFF81))) (i32.const 23))))

  ;; Scalar e^x through the vector routine (tails of vector loops).
  (func $exp1 (param $x f32) (result f32)
    (f32x4.extract_lane 0 (call $exp4 (f32x4.splat (local.get $x)))))

  ;; ---- bias gradient: db[o] += Σ_n dout[n,o] ---------------------------------------------------
  ;; Rows outer, so dout streams once in order (db stays in L1).
  (func (export "bias_backward") (param $db i32) (param $dout i32) (param $N i32) (param $OC i32)
    (local $n i32) (local $row i32)
    (local.set $row (local.get $dout))
    (block $nd (loop $nl
      (br_if $nd (i32.ge_s (local.get $n) (local.get $N)))
      (call $addRow (local.get $db) (local.get $db) (local.get $row) (local.get $OC))
      (local.set $row (i32.add (local.get $row) (i32.shl (local.get $OC) (i32.const 2))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $nl))))

  ;; ---- elementwise ------------------------------------------------------------------------------
  ;; out = a + b (out may alias a or b).
  (func (export "add") (param $out i32) (param $a i32) (param $b i32) (param $n i32)
    (local $i i32)
    (local.set $n (i32.shl (local.get $n) (i32.const 2)))
    (block $vd (loop $vl
      (br_if $vd (i32.gt_s (i32.add (local.get $i) (i32.const 16)) (local.get $n)))
      (v128.store (i32.add (local.get $out) (local.get $i))
        (f32x4.add (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $vl)))
    (block $sd (loop $sl
      (br_if $sd (i32.ge_s (local.get $i) (local.get $n)))
      (f32.store (i32.add (local.get $out) (local.get $i))
        (f32.add (f32.load (i32.add (local.get $a) (local.get $i))) (f32.load (i32.add (local.get $b) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $sl))))

  ;; GELU (tanh form, as GPT-2) written as x·σ(2u), u = √(2/π)(x + 0.044715x³): since
  ;; ½(1 + tanh u) = σ(2u) = 1/(1 + e^(−2u)), one exp and no cancellation for negative x.
  (func $gelu4 (param $x v128) (result v128)
    (local $x2 v128)
    (local.set $x2 (f32x4.mul (local.get $x) (local.get $x)))
    (f32x4.div (local.get $x)
      (f32x4.add (f32x4.splat (f32.const 1))
        (call $exp4 (f32x4.mul (local.get $x)
          (f32x4.add (f32x4.splat (f32.const -1.5957691216057308))
                     (f32x4.mul (local.get $x2) (f32x4.splat (f32.const -0.07135481627159465)))))))))

  (func (export "gelu_forward") (param $out i32) (param $inp i32) (param $n i32)
    (local $i i32)
    (local.set $n (i32.shl (local.get $n) (i32.const 2)))
    (block $vd (loop $vl
      (br_if $vd (i32.gt_s (i32.add (local.get $i) (i32.const 16)) (local.get $n)))
      (v128.store (i32.add (local.get $out) (local.get $i)) (call $gelu4 (v128.load (i32.add (local.get $inp) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $vl)))
    (block $sd (loop $sl
      (br_if $sd (i32.ge_s (local.get $i) (local.get $n)))
      (f32.store (i32.add (local.get $out) (local.get $i))
        (f32x4.extract_lane 0 (call $gelu4 (f32x4.splat (f32.load (i32.add (local.get $inp) (local.get $i)))))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $sl))))

  ;; d/dx of x·s, s = σ(2u): s + 2x·s(1 − s)·√(2/π)(1 + 3·0.044715x²).
  (func $geluGrad4 (param $x v128) (result v128)
    (local $x2 v128) (local $s v128)
    (local.set $x2 (f32x4.mul (local.get $x) (local.get $x)))
    (local.set $s (f32x4.div (f32x4.splat (f32.const 1))
      (f32x4.add (f32x4.splat (f32.const 1))
        (call $exp4 (f32x4.mul (local.get $x)
          (f32x4.add (f32x4.splat (f32.const -1.5957691216057308))
                     (f32x4.mul (local.get $x2) (f32x4.splat (f32.const -0.07135481627159465)))))))))
    (f32x4.add (local.get $s)
      (f32x4.mul (f32x4.mul (local.get $x) (f32x4.mul (local.get $s) (f32x4.sub (f32x4.splat (f32.const 1)) (local.get $s))))
        (f32x4.add (f32x4.splat (f32.const 1.5957691216057308))
                   (f32x4.mul (local.get $x2) (f32x4.splat (f32.const 0.21406444881478395)))))))

  ;; dinp = gelu'(inp)·dout (overwrites: the model's only contribution to dinp).
  (func (export "gelu_backward") (param $dinp i32) (param $inp i32) (param $dout i32) (param $n i32)
    (local $i i32)
    (local.set $n (i32.shl (local.get $n) (i32.const 2)))
    (block $vd (loop $vl
      (br_if $vd (i32.gt_s (i32.add (local.get $i) (i32.const 16)) (local.get $n)))
      (v128.store (i32.add (local.get $dinp) (local.get $i))
        (f32x4.mul (call $geluGrad4 (v128.load (i32.add (local.get $inp) (local.get $i)))) (v128.load (i32.add (local.get $dout) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $vl)))
    (block $sd (loop $sl
      (br_if $sd (i32.ge_s (local.get $i) (local.get $n)))
      (f32.store (i32.add (local.get $dinp) (local.get $i))
        (f32.mul (f32x4.extract_lane 0 (call $geluGrad4 (f32x4.splat (f32.load (i32.add (local.get $inp) (local.get $i))))))
                 (f32.load (i32.add (local.get $dout) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $sl))))

  ;; The training pair: forward also keeps s = σ(2u) per element, so backward needs no exp:
  ;; gelu'(x) = s + x·s(1 − s)·√(2/π)·2(1 + 3·0.044715x²).
  (func $sig2u (param $x v128) (result v128)
    (f32x4.div (f32x4.splat (f32.const 1))
      (f32x4.add (f32x4.splat (f32.const 1))
        (call $exp4 (f32x4.mul (local.get $x)
          (f32x4.add (f32x4.splat (f32.const -1.5957691216057308))
                     (f32x4.mul (f32x4.mul (local.get $x) (local.get $x)) (f32x4.splat (f32.const -0.07135481627159465)))))))))

  (func $geluGradS (param $x v128) (param $s v128) (result v128)
    (f32x4.add (local.get $s)
      (f32x4.mul (f32x4.mul (local.get $x) (f32x4.mul (local.get $s) (f32x4.sub (f32x4.splat (f32.const 1)) (local.get $s))))
        (f32x4.add (f32x4.splat (f32.const 1.5957691216057308))
                   (f32x4.mul (f32x4.mul (local.get $x) (local.get $x)) (f32x4.splat (f32.const 0.21406444881478395)))))))

  ;; out = gelu(inp), sig = σ(2u).
  (func (export "gelu_forward_keep") (param $out i32) (param $sig i32) (param $inp i32) (param $n i32)
    (local $i i32) (local $x v128) (local $s v128)
    (local.set $n (i32.shl (local.get $n) (i32.const 2)))
    (block $vd (loop $vl
      (br_if $vd (i32.gt_s (i32.add (local.get $i) (i32.const 16)) (local.get $n)))
      (local.set $x (v128.load (i32.add (local.get $inp) (local.get $i))))
      (local.set $s (call $sig2u (local.get $x)))
      (v128.store (i32.add (local.get $sig) (local.get $i)) (local.get $s))
      (v128.store (i32.add (local.get $out) (local.get $i)) (f32x4.mul (local.get $x) (local.get $s)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $vl)))
    (block $sd (loop $sl
      (br_if $sd (i32.ge_s (local.get $i) (local.get $n)))
      (local.set $x (f32x4.splat (f32.load (i32.add (local.get $inp) (local.get $i)))))
      (local.set $s (call $sig2u (local.get $x)))
      (f32.store (i32.add (local.get $sig) (local.get $i)) (f32x4.extract_lane 0 (local.get $s)))
      (f32.store (i32.add (local.get $out) (local.get $i)) (f32x4.extract_lane 0 (f32x4.mul (local.get $x) (local.get $s))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $sl))))

  ;; dinp = gelu'(inp)·dout from the kept σ(2u) (overwrites).
  (func (export "gelu_backward_kept") (param $dinp i32) (param $inp i32) (param $sig i32) (param $dout i32) (param $n i32)
    (local $i i32)
    (local.set $n (i32.shl (local.get $n) (i32.const 2)))
    (block $vd (loop $vl
      (br_if $vd (i32.gt_s (i32.add (local.get $i) (i32.const 16)) (local.get $n)))
      (v128.store (i32.add (local.get $dinp) (local.get $i))
        (f32x4.mul (call $geluGradS (v128.load (i32.add (local.get $inp) (local.get $i))) (v128.load (i32.add (local.get $sig) (local.get $i))))
                   (v128.load (i32.add (local.get $dout) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $vl)))
    (block $sd (loop $sl
      (br_if $sd (i32.ge_s (local.get $i) (local.get $n)))
      (f32.store (i32.add (local.get $dinp) (local.get $i))
        (f32.mul (f32x4.extract_lane 0 (call $geluGradS (f32x4.splat (f32.load (i32.add (local.get $inp) (local.get $i))))
                                                         (f32x4.splat (f32.load (i32.add (local.get $sig) (local.get $i))))))
                 (f32.load (i32.add (local.get $dout) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $sl))))

  ;; ---- embeddings -------------------------------------------------------------------------------
  ;; out[b,t,:] = wte[inp[b,t],:] + wpe[t,:]; inp is int32.
  (func (export "encoder_forward") (param $out i32) (param $inp i32) (param $wte i32) (param $wpe i32)
                                   (param $B i32) (param $T i32) (param $C i32)
    (local $bt i32) (local $t i32) (local $e i32) (local $p i32)
    (local.set $bt (i32.const 0))
    (block $d (loop $l
      (br_if $d (i32.ge_s (local.get $bt) (i32.mul (local.get $B) (local.get $T))))
      (local.set $t (i32.rem_s (local.get $bt) (local.get $T)))
      (local.set $e (i32.add (local.get $wte) (i32.shl (i32.mul (i32.load (i32.add (local.get $inp) (i32.shl (local.get $bt) (i32.const 2)))) (local.get $C)) (i32.const 2))))
      (local.set $p (i32.add (local.get $wpe) (i32.shl (i32.mul (local.get $t) (local.get $C)) (i32.const 2))))
      (call $addRow (i32.add (local.get $out) (i32.shl (i32.mul (local.get $bt) (local.get $C)) (i32.const 2))) (local.get $e) (local.get $p) (local.get $C))
      (local.set $bt (i32.add (local.get $bt) (i32.const 1)))
      (br $l))))

  (func $addRow (param $out i32) (param $a i32) (param $b i32) (param $n i32)
    (local $i i32)
    (local.set $n (i32.shl (local.get $n) (i32.const 2)))
    (block $vd (loop $vl
      (br_if $vd (i32.gt_s (i32.add (local.get $i) (i32.const 16)) (local.get $n)))
      (v128.store (i32.add (local.get $out) (local.get $i))
        (f32x4.add (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $vl)))
    (block $sd (loop $sl
      (br_if $sd (i32.ge_s (local.get $i) (local.get $n)))
      (f32.store (i32.add (local.get $out) (local.get $i))
        (f32.add (f32.load (i32.add (local.get $a) (local.get $i))) (f32.load (i32.add (local.get $b) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $sl))))

  ;; dwte[inp[b,t],:] += dout[b,t,:]; dwpe[t,:] += dout[b,t,:].
  (func (export "encoder_backward") (param $dwte i32) (param $dwpe i32) (param $dout i32) (param $inp i32)
                                    (param $B i32) (param $T i32) (param $C i32)
    (local $bt i32) (local $e i32) (local $p i32) (local $d i32)
    (local.set $bt (i32.const 0))
    (block $dn (loop $l
      (br_if $dn (i32.ge_s (local.get $bt) (i32.mul (local.get $B) (local.get $T))))
      (local.set $d (i32.add (local.get $dout) (i32.shl (i32.mul (local.get $bt) (local.get $C)) (i32.const 2))))
      (local.set $e (i32.add (local.get $dwte) (i32.shl (i32.mul (i32.load (i32.add (local.get $inp) (i32.shl (local.get $bt) (i32.const 2)))) (local.get $C)) (i32.const 2))))
      (local.set $p (i32.add (local.get $dwpe) (i32.shl (i32.mul (i32.rem_s (local.get $bt) (local.get $T)) (local.get $C)) (i32.const 2))))
      (call $addRow (local.get $e) (local.get $e) (local.get $d) (local.get $C))
      (call $addRow (local.get $p) (local.get $p) (local.get $d) (local.get $C))
      (local.set $bt (i32.add (local.get $bt) (i32.const 1)))
      (br $l))))

  ;; ---- layer norm -------------------------------------------------------------------------------
  (func (export "layernorm_forward") (param $out i32) (param $mean i32) (param $rstd i32) (param $inp i32)
                                     (param $w i32) (param $b i32) (param $N i32) (param $C i32)
    (local $n i32) (local $x i32) (local $y i32) (local $i i32) (local $Cb i32)
    (local $acc v128) (local $d v128) (local $m f32) (local $v f32) (local $s f32) (local $e f32)
    (local.set $Cb (i32.shl (local.get $C) (i32.const 2)))
    (block $nd (loop $nl
      (br_if $nd (i32.ge_s (local.get $n) (local.get $N)))
      (local.set $x (i32.add (local.get $inp) (i32.mul (local.get $n) (local.get $Cb))))
      (local.set $y (i32.add (local.get $out) (i32.mul (local.get $n) (local.get $Cb))))
      ;; mean
      (local.set $acc (v128.const i32x4 0 0 0 0)) (local.set $m (f32.const 0)) (local.set $i (i32.const 0))
      (block $vd (loop $vl
        (br_if $vd (i32.gt_s (i32.add (local.get $i) (i32.const 16)) (local.get $Cb)))
        (local.set $acc (f32x4.add (local.get $acc) (v128.load (i32.add (local.get $x) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vl)))
      (block $sd (loop $sl
        (br_if $sd (i32.ge_s (local.get $i) (local.get $Cb)))
        (local.set $m (f32.add (local.get $m) (f32.load (i32.add (local.get $x) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $sl)))
      (local.set $m (f32.div (f32.add (local.get $m) (call $hsum (local.get $acc))) (f32.convert_i32_s (local.get $C))))
      ;; variance (second pass: no cancellation)
      (local.set $acc (v128.const i32x4 0 0 0 0)) (local.set $v (f32.const 0)) (local.set $i (i32.const 0))
      (block $vd (loop $vl
        (br_if $vd (i32.gt_s (i32.add (local.get $i) (i32.const 16)) (local.get $Cb)))
        (local.set $d (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $i))) (f32x4.splat (local.get $m))))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vl)))
      (block $sd (loop $sl
        (br_if $sd (i32.ge_s (local.get $i) (local.get $Cb)))
        (local.set $e (f32.sub (f32.load (i32.add (local.get $x) (local.get $i))) (local.get $m)))
        (local.set $v (f32.add (local.get $v) (f32.mul (local.get $e) (local.get $e))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $sl)))
      (local.set $v (f32.div (f32.add (local.get $v) (call $hsum (local.get $acc))) (f32.convert_i32_s (local.get $C))))
      (local.set $s (f32.div (f32.const 1) (f32.sqrt (f32.add (local.get $v) (f32.const 1e-5)))))
      ;; normalise, scale, shift
      (local.set $i (i32.const 0))
      (block $vd (loop $vl
        (br_if $vd (i32.gt_s (i32.add (local.get $i) (i32.const 16)) (local.get $Cb)))
        (v128.store (i32.add (local.get $y) (local.get $i))
          (f32x4.add (f32x4.mul (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $i))) (f32x4.splat (local.get $m))) (f32x4.splat (local.get $s)))
                                (v128.load (i32.add (local.get $w) (local.get $i))))
                     (v128.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vl)))
      (block $sd (loop $sl
        (br_if $sd (i32.ge_s (local.get $i) (local.get $Cb)))
        (f32.store (i32.add (local.get $y) (local.get $i))
          (f32.add (f32.mul (f32.mul (f32.sub (f32.load (i32.add (local.get $x) (local.get $i))) (local.get $m)) (local.get $s))
                            (f32.load (i32.add (local.get $w) (local.get $i))))
                   (f32.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $sl)))
      (f32.store (i32.add (local.get $mean) (i32.shl (local.get $n) (i32.const 2))) (local.get $m))
      (f32.store (i32.add (local.get $rstd) (i32.shl (local.get $n) (i32.const 2))) (local.get $s))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $nl))))

  ;; Accumulates into dinp, dw, db (as the reference).
  (func (export "layernorm_backward") (param $dinp i32) (param $dw i32) (param $db i32) (param $dout i32)
                                      (param $inp i32) (param $w i32) (param $mean i32) (param $rstd i32)
                                      (param $N i32) (param $C i32)
    (local $n i32) (local $x i32) (local $dx i32) (local $dy i32) (local $i i32) (local $Cb i32)
    (local $a1 v128) (local $a2 v128) (local $norm v128) (local $dn v128) (local $d v128)
    (local $m f32) (local $s f32) (local $s1 f32) (local $s2 f32) (local $fn f32) (local $fd f32) (local $fdn f32)
    (local.set $Cb (i32.shl (local.get $C) (i32.const 2)))
    (block $nd (loop $nl
      (br_if $nd (i32.ge_s (local.get $n) (local.get $N)))
      (local.set $x (i32.add (local.get $inp) (i32.mul (local.get $n) (local.get $Cb))))
      (local.set $dx (i32.add (local.get $dinp) (i32.mul (local.get $n) (local.get $Cb))))
      (local.set $dy (i32.add (local.get $dout) (i32.mul (local.get $n) (local.get $Cb))))
      (local.set $m (f32.load (i32.add (local.get $mean) (i32.shl (local.get $n) (i32.const 2)))))
      (local.set $s (f32.load (i32.add (local.get $rstd) (i32.shl (local.get $n) (i32.const 2)))))
      ;; the two reductions: mean(w·dout) and mean(w·dout·norm)
      (local.set $a1 (v128.const i32x4 0 0 0 0)) (local.set $a2 (v128.const i32x4 0 0 0 0))
      (local.set $s1 (f32.const 0)) (local.set $s2 (f32.const 0)) (local.set $i (i32.const 0))
      (block $vd (loop $vl
        (br_if $vd (i32.gt_s (i32.add (local.get $i) (i32.const 16)) (local.get $Cb)))
        (local.set $norm (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $i))) (f32x4.splat (local.get $m))) (f32x4.splat (local.get $s))))
        (local.set $dn (f32x4.mul (v128.load (i32.add (local.get $w) (local.get $i))) (v128.load (i32.add (local.get $dy) (local.get $i)))))
        (local.set $a1 (f32x4.add (local.get $a1) (local.get $dn)))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $dn) (local.get $norm))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vl)))
      (block $sd (loop $sl
        (br_if $sd (i32.ge_s (local.get $i) (local.get $Cb)))
        (local.set $fn (f32.mul (f32.sub (f32.load (i32.add (local.get $x) (local.get $i))) (local.get $m)) (local.get $s)))
        (local.set $fdn (f32.mul (f32.load (i32.add (local.get $w) (local.get $i))) (f32.load (i32.add (local.get $dy) (local.get $i)))))
        (local.set $s1 (f32.add (local.get $s1) (local.get $fdn)))
        (local.set $s2 (f32.add (local.get $s2) (f32.mul (local.get $fdn) (local.get $fn))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $sl)))
      (local.set $s1 (f32.div (f32.add (local.get $s1) (call $hsum (local.get $a1))) (f32.convert_i32_s (local.get $C))))
      (local.set $s2 (f32.div (f32.add (local.get $s2) (call $hsum (local.get $a2))) (f32.convert_i32_s (local.get $C))))
      (local.set $i (i32.const 0))
      (block $vd (loop $vl
        (br_if $vd (i32.gt_s (i32.add (local.get $i) (i32.const 16)) (local.get $Cb)))
        (local.set $norm (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $i))) (f32x4.splat (local.get $m))) (f32x4.splat (local.get $s))))
        (local.set $d (v128.load (i32.add (local.get $dy) (local.get $i))))
        (v128.store (i32.add (local.get $db) (local.get $i)) (f32x4.add (v128.load (i32.add (local.get $db) (local.get $i))) (local.get $d)))
        (v128.store (i32.add (local.get $dw) (local.get $i)) (f32x4.add (v128.load (i32.add (local.get $dw) (local.get $i))) (f32x4.mul (local.get $norm) (local.get $d))))
        (local.set $dn (f32x4.mul (v128.load (i32.add (local.get $w) (local.get $i))) (local.get $d)))
        (v128.store (i32.add (local.get $dx) (local.get $i))
          (f32x4.add (v128.load (i32.add (local.get $dx) (local.get $i)))
            (f32x4.mul (f32x4.sub (f32x4.sub (local.get $dn) (f32x4.splat (local.get $s1))) (f32x4.mul (local.get $norm) (f32x4.splat (local.get $s2))))
                       (f32x4.splat (local.get $s)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vl)))
      (block $sd (loop $sl
        (br_if $sd (i32.ge_s (local.get $i) (local.get $Cb)))
        (local.set $fn (f32.mul (f32.sub (f32.load (i32.add (local.get $x) (local.get $i))) (local.get $m)) (local.get $s)))
        (local.set $fd (f32.load (i32.add (local.get $dy) (local.get $i))))
        (f32.store (i32.add (local.get $db) (local.get $i)) (f32.add (f32.load (i32.add (local.get $db) (local.get $i))) (local.get $fd)))
        (f32.store (i32.add (local.get $dw) (local.get $i)) (f32.add (f32.load (i32.add (local.get $dw) (local.get $i))) (f32.mul (local.get $fn) (local.get $fd))))
        (local.set $fdn (f32.mul (f32.load (i32.add (local.get $w) (local.get $i))) (local.get $fd)))
        (f32.store (i32.add (local.get $dx) (local.get $i))
          (f32.add (f32.load (i32.add (local.get $dx) (local.get $i)))
            (f32.mul (f32.sub (f32.sub (local.get $fdn) (local.get $s1)) (f32.mul (local.get $fn) (local.get $s2))) (local.get $s))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $sl)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $nl))))
;; ---- causal self-attention ----------------------------------------------------------------------
  ;; Σ a[i]·b[i] over n floats.
  (func $dot (param $a i32) (param $b i32) (param $n i32) (result f32)
    (local $acc v128) (local $s f32) (local $end i32)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 2))))
    (block $vd (loop $vl
      (br_if $vd (i32.gt_u (i32.add (local.get $a) (i32.const 16)) (local.get $end)))
      (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br $vl)))
    (block $sd (loop $sl
      (br_if $sd (i32.ge_u (local.get $a) (local.get $end)))
      (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $a)) (f32.load (local.get $b)))))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (local.set $b (i32.add (local.get $b) (i32.const 4)))
      (br $sl)))
    (f32.add (call $hsum (local.get $acc)) (local.get $s)))

  ;; y[i] += alpha·x[i] over n floats.
  (func $axpy (param $y i32) (param $alpha f32) (param $x i32) (param $n i32)
    (local $av v128) (local $end i32)
    (local.set $av (f32x4.splat (local.get $alpha)))
    (local.set $end (i32.add (local.get $y) (i32.shl (local.get $n) (i32.const 2))))
    (block $vd (loop $vl
      (br_if $vd (i32.gt_u (i32.add (local.get $y) (i32.const 16)) (local.get $end)))
      (v128.store (local.get $y) (f32x4.add (v128.load (local.get $y)) (f32x4.mul (local.get $av) (v128.load (local.get $x)))))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (br $vl)))
    (block $sd (loop $sl
      (br_if $sd (i32.ge_u (local.get $y) (local.get $end)))
      (f32.store (local.get $y) (f32.add (f32.load (local.get $y)) (f32.mul (local.get $alpha) (f32.load (local.get $x)))))
      (local.set $y (i32.add (local.get $y) (i32.const 4)))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (br $sl))))

  ;; row[0..n) = e^(scale·(row − max)) / Σ, in place (scale > 0).
  (func $softmaxRow (param $row i32) (param $n i32) (param $max f32) (param $scale f32)
    (local $p i32) (local $end i32) (local $acc v128) (local $e v128) (local $s f32) (local $f f32) (local $mv v128)
    (local.set $mv (f32x4.splat (local.get $max)))
    (local.set $end (i32.add (local.get $row) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $p (local.get $row))
    (block $vd (loop $vl
      (br_if $vd (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
      (local.set $e (call $exp4 (f32x4.mul (f32x4.sub (v128.load (local.get $p)) (local.get $mv)) (f32x4.splat (local.get $scale)))))
      (v128.store (local.get $p) (local.get $e))
      (local.set $acc (f32x4.add (local.get $acc) (local.get $e)))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $vl)))
    (block $sd (loop $sl
      (br_if $sd (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $f (call $exp1 (f32.mul (f32.sub (f32.load (local.get $p)) (local.get $max)) (local.get $scale))))
      (f32.store (local.get $p) (local.get $f))
      (local.set $s (f32.add (local.get $s) (local.get $f)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $sl)))
    (local.set $f (f32.div (f32.const 1) (f32.add (call $hsum (local.get $acc)) (local.get $s))))
    (local.set $mv (f32x4.splat (local.get $f)))
    (local.set $p (local.get $row))
    (block $vd (loop $vl
      (br_if $vd (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
      (v128.store (local.get $p) (f32x4.mul (v128.load (local.get $p)) (local.get $mv)))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $vl)))
    (block $sd (loop $sl
      (br_if $sd (i32.ge_u (local.get $p) (local.get $end)))
      (f32.store (local.get $p) (f32.mul (f32.load (local.get $p)) (local.get $f)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $sl))))

  ;; out[hs] = Σ_{t2<n} att[t2]·v[t2·stride + i]: accumulators in registers, 4 lanes at a time.
  (func $weightedSum (param $out i32) (param $att i32) (param $v i32) (param $n i32) (param $hs i32) (param $stride i32)
    (local $i i32) (local $t2 i32) (local $acc v128) (local $s f32) (local $vp i32) (local $ap i32)
    (block $vd (loop $vl
      (br_if $vd (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $hs)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $vp (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 2))))
      (local.set $ap (local.get $att))
      (local.set $t2 (local.get $n))
      (block $td (loop $tl
        (br_if $td (i32.eqz (local.get $t2)))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load32_splat (local.get $ap)) (v128.load (local.get $vp)))))
        (local.set $ap (i32.add (local.get $ap) (i32.const 4)))
        (local.set $vp (i32.add (local.get $vp) (local.get $stride)))
        (local.set $t2 (i32.sub (local.get $t2) (i32.const 1)))
        (br $tl)))
      (v128.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))) (local.get $acc))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $vl)))
    (block $sd (loop $sl
      (br_if $sd (i32.ge_s (local.get $i) (local.get $hs)))
      (local.set $s (f32.const 0))
      (local.set $vp (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 2))))
      (local.set $ap (local.get $att))
      (local.set $t2 (local.get $n))
      (block $td (loop $tl
        (br_if $td (i32.eqz (local.get $t2)))
        (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $ap)) (f32.load (local.get $vp)))))
        (local.set $ap (i32.add (local.get $ap) (i32.const 4)))
        (local.set $vp (i32.add (local.get $vp) (local.get $stride)))
        (local.set $t2 (i32.sub (local.get $t2) (i32.const 1)))
        (br $tl)))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))) (local.get $s))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $sl))))

  ;; Causal softmax of one head's scores, in place: rows t of att[T,T] hold q_t·k_t2 for t2 ≤ t
  ;; (what lies above the diagonal is ignored); after: softmax(scale·row)[0..t], then 0 at t+1 so
  ;; that the lower-triangular products (gemm mode 2) may read one element past the diagonal.
  (func (export "softmax_causal") (param $att i32) (param $T i32) (param $scale f32)
    (local $t i32) (local $row i32) (local $p i32) (local $end i32) (local $mx v128) (local $max f32)
    (local.set $row (local.get $att))
    (block $td (loop $tl
      (br_if $td (i32.ge_s (local.get $t) (local.get $T)))
      (local.set $end (i32.add (local.get $row) (i32.shl (i32.add (local.get $t) (i32.const 1)) (i32.const 2))))
      (local.set $max (f32.const -inf))
      (local.set $mx (f32x4.splat (f32.const -inf)))
      (local.set $p (local.get $row))
      (block $vd (loop $vl
        (br_if $vd (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
        (local.set $mx (f32x4.pmax (local.get $mx) (v128.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $vl)))
      (block $sd (loop $sl
        (br_if $sd (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $max (f32.max (local.get $max) (f32.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $sl)))
      (call $softmaxRow (local.get $row) (i32.add (local.get $t) (i32.const 1)) (f32.max (local.get $max) (call $hmax (local.get $mx))) (local.get $scale))
      (if (i32.lt_s (i32.add (local.get $t) (i32.const 1)) (local.get $T)) (then (f32.store (local.get $end) (f32.const 0))))
      (local.set $row (i32.add (local.get $row) (i32.shl (local.get $T) (i32.const 2))))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $tl))))

  ;; Softmax backward for one head, in place on d[T,T] (holding dP = dout·vᵀ on and below the
  ;; diagonal): d[t,t2] = scale·P[t,t2]·(dP[t,t2] − Σ_j P[t,j]·dP[t,j]) for t2 ≤ t, and 0 at t+1.
  (func (export "softmax_causal_backward") (param $d i32) (param $P i32) (param $T i32) (param $scale f32)
    (local $t i32) (local $n i32) (local $i i32) (local $drow i32) (local $prow i32) (local $sum f32) (local $sv v128) (local $kv v128)
    (local.set $kv (f32x4.splat (local.get $scale)))
    (block $td (loop $tl
      (br_if $td (i32.ge_s (local.get $t) (local.get $T)))
      (local.set $drow (i32.add (local.get $d) (i32.shl (i32.mul (local.get $t) (local.get $T)) (i32.const 2))))
      (local.set $prow (i32.add (local.get $P) (i32.shl (i32.mul (local.get $t) (local.get $T)) (i32.const 2))))
      (local.set $n (i32.shl (i32.add (local.get $t) (i32.const 1)) (i32.const 2)))
      (local.set $sum (call $dot (local.get $prow) (local.get $drow) (i32.add (local.get $t) (i32.const 1))))
      (local.set $sv (f32x4.splat (local.get $sum)))
      (local.set $i (i32.const 0))
      (block $vd (loop $vl
        (br_if $vd (i32.gt_s (i32.add (local.get $i) (i32.const 16)) (local.get $n)))
        (v128.store (i32.add (local.get $drow) (local.get $i))
          (f32x4.mul (f32x4.mul (v128.load (i32.add (local.get $prow) (local.get $i)))
                                (f32x4.sub (v128.load (i32.add (local.get $drow) (local.get $i))) (local.get $sv)))
                     (local.get $kv)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vl)))
      (block $sd (loop $sl
        (br_if $sd (i32.ge_s (local.get $i) (local.get $n)))
        (f32.store (i32.add (local.get $drow) (local.get $i))
          (f32.mul (f32.mul (f32.load (i32.add (local.get $prow) (local.get $i)))
                            (f32.sub (f32.load (i32.add (local.get $drow) (local.get $i))) (local.get $sum)))
                   (local.get $scale)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $sl)))
      (if (i32.lt_s (i32.add (local.get $t) (i32.const 1)) (local.get $T)) (then (f32.store (i32.add (local.get $drow) (local.get $n)) (f32.const 0))))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $tl))))

  ;; ---- decoding: one query row against a key/value cache --------------------------------------
  ;; out[C] = attention of q[C] over cached keys/values kc, vc ([n, C] each, row stride C), all
  ;; NH heads; scratch: n floats.
  (func (export "attention_decode") (param $out i32) (param $q i32) (param $kc i32) (param $vc i32)
                                    (param $n i32) (param $C i32) (param $NH i32) (param $scratch i32)
    (local $h i32) (local $hs i32) (local $ho i32) (local $t2 i32) (local $k i32) (local $Cb i32)
    (local $scale f32) (local $v f32) (local $max f32)
    (local.set $hs (i32.div_s (local.get $C) (local.get $NH)))
    (local.set $scale (f32.div (f32.const 1) (f32.sqrt (f32.convert_i32_s (local.get $hs)))))
    (local.set $Cb (i32.shl (local.get $C) (i32.const 2)))
    (block $hd (loop $hl
      (br_if $hd (i32.ge_s (local.get $h) (local.get $NH)))
      (local.set $ho (i32.shl (i32.mul (local.get $h) (local.get $hs)) (i32.const 2)))
      (local.set $max (f32.const -inf))
      (local.set $k (i32.add (local.get $kc) (local.get $ho)))
      (local.set $t2 (i32.const 0))
      (block $sd (loop $sl
        (br_if $sd (i32.ge_s (local.get $t2) (local.get $n)))
        (local.set $v (f32.mul (call $dot (i32.add (local.get $q) (local.get $ho)) (local.get $k) (local.get $hs)) (local.get $scale)))
        (f32.store (i32.add (local.get $scratch) (i32.shl (local.get $t2) (i32.const 2))) (local.get $v))
        (local.set $max (f32.max (local.get $max) (local.get $v)))
        (local.set $k (i32.add (local.get $k) (local.get $Cb)))
        (local.set $t2 (i32.add (local.get $t2) (i32.const 1)))
        (br $sl)))
      (call $softmaxRow (local.get $scratch) (local.get $n) (local.get $max) (f32.const 1))
      (call $weightedSum (i32.add (local.get $out) (local.get $ho)) (local.get $scratch) (i32.add (local.get $vc) (local.get $ho))
                         (local.get $n) (local.get $hs) (local.get $Cb))
      (local.set $h (i32.add (local.get $h) (i32.const 1)))
      (br $hl))))
;; ---- optimiser ---------------------------------------------------------------------------------
  ;; Σ x[i]² over n floats, accumulated in float64 (a global norm over millions of gradients).
  (func (export "sumsq") (param $x i32) (param $n i32) (result f64)
    (local $end i32) (local $acc v128) (local $s f64) (local $v v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (block $vd (loop $vl
      (br_if $vd (i32.gt_u (i32.add (local.get $x) (i32.const 16)) (local.get $end)))
      (local.set $v (f64x2.promote_low_f32x4 (v128.load (local.get $x))))
      (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $v) (local.get $v))))
      (local.set $v (f64x2.promote_low_f32x4 (v128.load offset=8 (local.get $x))))
      (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $v) (local.get $v))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (br $vl)))
    (block $sd (loop $sl
      (br_if $sd (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $s (f64.add (local.get $s) (f64.mul (f64.promote_f32 (f32.load (local.get $x))) (f64.promote_f32 (f32.load (local.get $x))))))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (br $sl)))
    (f64.add (local.get $s) (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc)))))

  ;; x[i] *= a over n floats.
  (func (export "scale") (param $x i32) (param $a f32) (param $n i32)
    (local $end i32) (local $av v128)
    (local.set $av (f32x4.splat (local.get $a)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (block $vd (loop $vl
      (br_if $vd (i32.gt_u (i32.add (local.get $x) (i32.const 16)) (local.get $end)))
      (v128.store (local.get $x) (f32x4.mul (v128.load (local.get $x)) (local.get $av)))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (br $vl)))
    (block $sd (loop $sl
      (br_if $sd (i32.ge_u (local.get $x) (local.get $end)))
      (f32.store (local.get $x) (f32.mul (f32.load (local.get $x)) (local.get $a)))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (br $sl))))

  ;; One AdamW update of n parameters (as sim/model/adamw.ts, in float32):
  ;; m = β1·m + c1·g; v = β2·v + c2·g²; p −= lr·((m/bc1)/(√(v/bc2) + eps) + wd·p), where
  ;; c1 = 1 − β1 and c2 = 1 − β2 come rounded from float64 (1 − 0.999 in float32 is off by 5e-5).
  (func (export "adamw") (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
                         (param $lr f32) (param $b1 f32) (param $b2 f32) (param $c1 f32) (param $c2 f32)
                         (param $eps f32) (param $wd f32) (param $bc1 f32) (param $bc2 f32)
    (local $i i32) (local $gv v128) (local $mv v128) (local $vv v128) (local $pv v128)
    (local $gs f32) (local $ms f32) (local $vs f32) (local $ps f32)
    (local.set $n (i32.shl (local.get $n) (i32.const 2)))
    (block $vd (loop $vl
      (br_if $vd (i32.gt_s (i32.add (local.get $i) (i32.const 16)) (local.get $n)))
      (local.set $gv (v128.load (i32.add (local.get $g) (local.get $i))))
      (local.set $mv (f32x4.add (f32x4.mul (f32x4.splat (local.get $b1)) (v128.load (i32.add (local.get $m) (local.get $i))))
                                (f32x4.mul (f32x4.splat (local.get $c1)) (local.get $gv))))
      (local.set $vv (f32x4.add (f32x4.mul (f32x4.splat (local.get $b2)) (v128.load (i32.add (local.get $v) (local.get $i))))
                                (f32x4.mul (f32x4.splat (local.get $c2)) (f32x4.mul (local.get $gv) (local.get $gv)))))
      (v128.store (i32.add (local.get $m) (local.get $i)) (local.get $mv))
      (v128.store (i32.add (local.get $v) (local.get $i)) (local.get $vv))
      (local.set $pv (v128.load (i32.add (local.get $p) (local.get $i))))
      (v128.store (i32.add (local.get $p) (local.get $i))
        (f32x4.sub (local.get $pv) (f32x4.mul (f32x4.splat (local.get $lr))
          (f32x4.add (f32x4.div (f32x4.div (local.get $mv) (f32x4.splat (local.get $bc1)))
                                (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (f32x4.splat (local.get $bc2)))) (f32x4.splat (local.get $eps))))
                     (f32x4.mul (f32x4.splat (local.get $wd)) (local.get $pv))))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $vl)))
    (block $sd (loop $sl
      (br_if $sd (i32.ge_s (local.get $i) (local.get $n)))
      (local.set $gs (f32.load (i32.add (local.get $g) (local.get $i))))
      (local.set $ms (f32.add (f32.mul (local.get $b1) (f32.load (i32.add (local.get $m) (local.get $i)))) (f32.mul (local.get $c1) (local.get $gs))))
      (local.set $vs (f32.add (f32.mul (local.get $b2) (f32.load (i32.add (local.get $v) (local.get $i)))) (f32.mul (local.get $c2) (f32.mul (local.get $gs) (local.get $gs)))))
      (f32.store (i32.add (local.get $m) (local.get $i)) (local.get $ms))
      (f32.store (i32.add (local.get $v) (local.get $i)) (local.get $vs))
      (local.set $ps (f32.load (i32.add (local.get $p) (local.get $i))))
      (f32.store (i32.add (local.get $p) (local.get $i))
        (f32.sub (local.get $ps) (f32.mul (local.get $lr)
          (f32.add (f32.div (f32.div (local.get $ms) (local.get $bc1)) (f32.add (f32.sqrt (f32.div (local.get $vs) (local.get $bc2))) (local.get $eps)))
                   (f32.mul (local.get $wd) (local.get $ps))))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $sl))))
)
