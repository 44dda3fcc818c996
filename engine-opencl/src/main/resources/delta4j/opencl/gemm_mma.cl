// gemm_mma.cl: C ← α·op(A)·op(B) + β·C on NVIDIA tensor cores (compute capability 8.0 and later), the operands
// rounded to tf32 (PRECISION 1: mma.sync m16n8k8 .tf32) or bf16 (PRECISION 2: mma.sync m16n8k16 .bf16), the
// products accumulated in fp32 registers. Row-major float32 matrices, as gemm.cl; one kernel per transpose variant
// (TRANSA, TRANSB fixed at compile time): gemm_mma_nn (A·W, forward), gemm_mma_nt (Δ·Wᵀ, δ propagation),
// gemm_mma_tn (Aᵀ·Δ, weight gradient), gemm_mma_tt.
//
// Parameters (-D, delta4j.opencl.MmaConfig): MWG × NWG the block of C a work-group computes, KWG the k-depth of one
// pipeline stage (a multiple of 16), WM × WN warps per group (each computes a (MWG/WM) × (NWG/WN) tile of C as
// 16 × 8 mma tiles), STAGES the number of stages in flight (2 to 4).
//
// Data flow. Global → local: cp.async (16 bytes per copy, .cg: around L1), STAGES stages in flight, one barrier per
// k-step; a copy that reaches past the matrix copies fewer bytes and the rest of its 16 are zero-filled, so ragged
// edges need no other code (the rows must start 16-byte aligned: the engine sends unaligned operands to gemm.cl).
// Local → registers: fp32 values, rounded to the precision only here (cvt.rna.tf32.f32, cvt.rn.bf16x2.f32), so
// the tiles hold exactly what global memory holds and cp.async never passes through registers.
//
// Local layout. A tile whose rows run along k (A in NN/NT, B in NT/TT: "k-contiguous") is stored row by row with
// LDK = KWG + 4 floats per row; one whose rows run along m or n (B in NN/TN, A in TN/TT) is stored k by k with
// LDM = MWG + 8 (LDN = NWG + 8) floats per k. Fragments are read at (row g, k t) and (k t, column g), g = lane / 4,
// t = lane % 4: with those pitches the 32 lanes of a warp hit 32 different banks (4g + t and 8t + g mod 32), and
// the eight 16-byte rows an ldmatrix reads lie in distinct bank quadruples. k-contiguous tiles are read with
// ldmatrix.x4 (four 8 × 4-float matrices: 32-bit elements read as pairs of b16), the others with ld.shared.
//
// Fragments (PTX ISA, "Matrix fragments for mma.m16n8k8" and "mma.m16n8k16"). For every 8 steps of k a lane
// holds A at rows g, g+8 and k t, t+4 of its 16 × 8 tile, and B at k t, t+4 and column g of its 8 × 8 tile;
// tf32 m16n8k8 takes exactly these: a0 (g, t), a1 (g+8, t), a2 (g, t+4), a3 (g+8, t+4); b0 (t, g), b1 (t+4, g).
// bf16 m16n8k16 wants in each 32-bit register two neighbouring k, {2t, 2t+1} and {2t+8, 2t+9}; it is given the
// same fp32 positions instead, {t, t+4} from the first 8 steps and {t+8, t+12} from the second, for A and B alike.
// That renumbers k inside the 16-step: logical 2t ← t, 2t+1 ← t+4, 2t+8 ← t+8, 2t+9 ← t+12, a permutation applied
// to both operands, so Σ_k a_k·b_k is unchanged and one fragment loader serves both precisions.
//
// MMA_EMULATE replaces each PTX instruction by OpenCL C with the semantics the PTX ISA gives it (the warp's
// fragments exchanged through local memory for mma, the lane's rows for ldmatrix, a plain copy for cp.async), so
// the index arithmetic of this file runs and is checked on any OpenCL device (engine-opencl's MmaKernelTest, on
// PoCL); the GPU check runs the real instructions against the same conformance kit.

#ifndef MWG
#define MWG 128
#endif
#ifndef NWG
#define NWG 128
#endif
#ifndef KWG
#define KWG 16
#endif
#ifndef WM
#define WM 2
#endif
#ifndef WN
#define WN 4
#endif
#ifndef STAGES
#define STAGES 2
#endif
#ifndef TRANSA
#define TRANSA 0
#endif
#ifndef TRANSB
#define TRANSB 0
#endif
#ifndef PRECISION
#define PRECISION 1
#endif

#define WGS (32 * WM * WN)
#define WTM (MWG / WM)
#define WTN (NWG / WN)
#define MT (WTM / 16)
#define NT (WTN / 8)
#define LDK (KWG + 4)
#define LDM (MWG + 8)
#define LDN (NWG + 8)
#define A_STAGE (TRANSA ? KWG * LDM : MWG * LDK)
#define B_STAGE (TRANSB ? NWG * LDK : KWG * LDN)
#define A_LOADS (MWG * KWG / 4 / WGS)
#define B_LOADS (NWG * KWG / 4 / WGS)

#if (KWG % 16) || (MWG % (16 * WM)) || (NWG % (16 * WN)) || (MWG % 32) || (NWG % 32) || STAGES < 2 || STAGES > 4 \
    || (MWG * KWG / 4) % WGS || (NWG * KWG / 4) % WGS || (PRECISION != 1 && PRECISION != 2)
#error "gemm_mma parameters: KWG a multiple of 16; MWG and NWG multiples of 32 and of 16 per warp row and column (NT even); 2 to 4 stages; each tile a whole number of 16-byte copies per work-item; PRECISION 1 (tf32) or 2 (bf16)"
#endif

#if TRANSA && TRANSB
#define GEMM_KERNEL gemm_mma_tt
#elif TRANSA
#define GEMM_KERNEL gemm_mma_tn
#elif TRANSB
#define GEMM_KERNEL gemm_mma_nt
#else
#define GEMM_KERNEL gemm_mma_nn
#endif

// ---------------------------------------------------------------- the PTX instructions, and their emulation

#ifdef MMA_EMULATE

// Rounding as Precision.round: tf32 ties away from zero, bf16 ties to even; NaN quieted.
inline uint to_tf32(const float x) {
    const uint b = as_uint(x);
    return (b & 0x7FFFFFFFu) > 0x7F800000u ? (b | 0x00400000u) & 0xFFFFE000u : (b + 0x1000u) & 0xFFFFE000u;
}
inline uint bf16_bits(const float x) {
    const uint b = as_uint(x);
    return ((b & 0x7FFFFFFFu) > 0x7F800000u ? (b | 0x00400000u) : b + 0x7FFFu + ((b >> 16) & 1u)) >> 16;
}
// cvt.rn.bf16x2.f32 d, hi, lo: hi's bf16 in the upper half of d, lo's in the lower.
inline uint to_bf16x2(const float hi, const float lo) {
    return (bf16_bits(hi) << 16) | bf16_bits(lo);
}
// cp.async with zero fill: bytes (0, 4, 8, 12 or 16) of src, then zeros up to 16.
inline void copy16(__local float* dst, const __global float* src, const int bytes) {
    for (int e = 0; e < 4; e++) {
        dst[e] = e * 4 < bytes ? src[e] : 0.0f;
    }
}
#define CP_ASYNC_COMMIT()
#define CP_ASYNC_WAIT()

#else

inline uint to_tf32(const float x) {
    uint r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
    return r;
}
inline uint to_bf16x2(const float hi, const float lo) {
    uint r;
    asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
    return r;
}
// 16 bytes global → local, bypassing L1; of them only `bytes` are read and the rest are zero-filled.
inline void copy16(__local float* dst, const __global float* src, const int bytes) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" :: "l"(dst), "l"(src), "r"(bytes) : "memory");
}
#define CP_ASYNC_COMMIT() asm volatile("cp.async.commit_group;" ::: "memory")
// Until at most STAGES - 2 groups of this work-item's copies are in flight: the oldest stage has landed.
#if STAGES == 2
#define CP_ASYNC_WAIT() asm volatile("cp.async.wait_group 0;" ::: "memory")
#elif STAGES == 3
#define CP_ASYNC_WAIT() asm volatile("cp.async.wait_group 1;" ::: "memory")
#else
#define CP_ASYNC_WAIT() asm volatile("cp.async.wait_group 2;" ::: "memory")
#endif

#endif

// ldmatrix.x4 of four 8 × 4-float matrices: the lane l's 32-bit element j comes from matrix j, row l / 4, element
// l % 4, the row's address being the one lane 8j + l / 4 supplies. `rows` gives each lane's row address. The
// "memory" clobber keeps the read after the barrier that makes the stage's cp.async data visible.
#ifdef MMA_EMULATE
#define LDSM_X4(r, rows, lane) \
    for (int j_ = 0; j_ < 4; j_++) { (r)[j_] = as_uint(rows(8 * j_ + (lane) / 4)[(lane) % 4]); }
#else
#define LDSM_X4(r, rows, lane) \
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];" \
                 : "=r"((r)[0]), "=r"((r)[1]), "=r"((r)[2]), "=r"((r)[3]) : "l"(rows(lane)) : "memory")
#endif

// ---------------------------------------------------------------- the warp's products

// acc[i][j] += a[i]·b[j] for the warp's MT × NT tiles: one mma.sync per tile (tf32 m16n8k8 or bf16 m16n8k16).
// Emulated: every lane leaves its fragments in `xch` (the warp's part of a local exchange area), and each lane then
// computes its four elements of C from the fragments of the whole warp, in k order with fma.
#ifdef MMA_EMULATE
#define XFRAG (MT * 4 + NT * 2)
#define KMMA (PRECISION == 1 ? 8 : 16)
// Element (r, k) of the 16 × KMMA A tile i, from the lane that holds it (PTX ISA fragment layouts).
inline float frag_a(__local const uint* xch, const int i, const int r, const int k) {
#if PRECISION == 1
    const uint v = xch[((r % 8) * 4 + k % 4) * XFRAG + i * 4 + (r >= 8) + 2 * (k >= 4)];
    return as_float(v);
#else
    const uint v = xch[((r % 8) * 4 + (k % 8) / 2) * XFRAG + i * 4 + (r >= 8) + 2 * (k >= 8)];
    return as_float((k % 2 ? v >> 16 : v & 0xFFFFu) << 16);
#endif
}
// Element (k, c) of the KMMA × 8 B tile j.
inline float frag_b(__local const uint* xch, const int j, const int k, const int c) {
#if PRECISION == 1
    const uint v = xch[(c * 4 + k % 4) * XFRAG + MT * 4 + j * 2 + (k >= 4)];
    return as_float(v);
#else
    const uint v = xch[(c * 4 + (k % 8) / 2) * XFRAG + MT * 4 + j * 2 + (k >= 8)];
    return as_float((k % 2 ? v >> 16 : v & 0xFFFFu) << 16);
#endif
}
#endif

inline void warp_mma(float acc[MT][NT][4], uint a[MT][4], uint b[NT][2], __local uint* xch, const int lane) {
#ifdef MMA_EMULATE
    for (int i = 0; i < MT; i++) {
        for (int q = 0; q < 4; q++) {
            xch[lane * XFRAG + i * 4 + q] = a[i][q];
        }
    }
    for (int j = 0; j < NT; j++) {
        xch[lane * XFRAG + MT * 4 + j * 2] = b[j][0];
        xch[lane * XFRAG + MT * 4 + j * 2 + 1] = b[j][1];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    const int g = lane / 4, t = lane % 4;
    for (int i = 0; i < MT; i++) {
        for (int j = 0; j < NT; j++) {
            for (int q = 0; q < 4; q++) {
                const int r = g + 8 * (q / 2), c = 2 * t + q % 2;
                float s = acc[i][j][q];
                for (int k = 0; k < KMMA; k++) {
                    s = fma(frag_a(xch, i, r, k), frag_b(xch, j, k, c), s);
                }
                acc[i][j][q] = s;
            }
        }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
#else
    #pragma unroll
    for (int i = 0; i < MT; i++) {
        #pragma unroll
        for (int j = 0; j < NT; j++) {
#if PRECISION == 1
            asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 "
                         "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
                         : "+f"(acc[i][j][0]), "+f"(acc[i][j][1]), "+f"(acc[i][j][2]), "+f"(acc[i][j][3])
                         : "r"(a[i][0]), "r"(a[i][1]), "r"(a[i][2]), "r"(a[i][3]), "r"(b[j][0]), "r"(b[j][1]));
#else
            asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                         "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
                         : "+f"(acc[i][j][0]), "+f"(acc[i][j][1]), "+f"(acc[i][j][2]), "+f"(acc[i][j][3])
                         : "r"(a[i][0]), "r"(a[i][1]), "r"(a[i][2]), "r"(a[i][3]), "r"(b[j][0]), "r"(b[j][1]));
#endif
        }
    }
#endif
}

// ---------------------------------------------------------------- fragments: local → registers, fp32 bits

// Row addresses for ldmatrix of a k-contiguous tile X (LDK floats per row): matrix j covers rows base + 8·(j & 1)
// + 0..7 at k kc + 4·(j >> 1) for A (a0 a1 a2 a3), and rows base + 8·(j >> 1) + 0..7 at k kc + 4·(j & 1) for B
// (b0 b1 of tile n and of tile n + 1). Lane l supplies row l % 8 of matrix l / 8.
#define A_ROW(l) (xs + (base + (l) % 8 + 8 * (((l) / 8) & 1)) * LDK + kc + 4 * ((l) / 16))
#define B_ROW(l) (xs + (base + (l) % 8 + 8 * ((l) / 16)) * LDK + kc + 4 * (((l) / 8) & 1))

// The fp32 bits of A at rows g, g+8 and k kc + t, kc + t + 4 of each of the warp's MT tiles (rows wm + 16i).
inline void load_a(uint f[MT][4], __local const float* xs, const int wm, const int kc, const int lane) {
    const int g = lane / 4, t = lane % 4;
    #pragma unroll
    for (int i = 0; i < MT; i++) {
#if TRANSA
        const int r = wm + 16 * i + g;
        f[i][0] = as_uint(xs[(kc + t) * LDM + r]);
        f[i][1] = as_uint(xs[(kc + t) * LDM + r + 8]);
        f[i][2] = as_uint(xs[(kc + t + 4) * LDM + r]);
        f[i][3] = as_uint(xs[(kc + t + 4) * LDM + r + 8]);
#else
        const int base = wm + 16 * i;
        LDSM_X4(f[i], A_ROW, lane);
#endif
    }
}

// The fp32 bits of B at k kc + t, kc + t + 4 and column g of each of the warp's NT tiles (columns wn + 8j).
inline void load_b(uint f[NT][2], __local const float* xs, const int wn, const int kc, const int lane) {
    const int g = lane / 4, t = lane % 4;
#if TRANSB
    #pragma unroll
    for (int j = 0; j < NT; j += 2) {
        const int base = wn + 8 * j;
        uint r[4];
        LDSM_X4(r, B_ROW, lane);
        f[j][0] = r[0];
        f[j][1] = r[1];
        f[j + 1][0] = r[2];
        f[j + 1][1] = r[3];
    }
#else
    #pragma unroll
    for (int j = 0; j < NT; j++) {
        const int c = wn + 8 * j + g;
        f[j][0] = as_uint(xs[(kc + t) * LDN + c]);
        f[j][1] = as_uint(xs[(kc + t + 4) * LDN + c]);
    }
#endif
}

// ---------------------------------------------------------------- global → local

// Bytes of a 16-byte copy that lie inside a row with `left` elements left from the copy's first: 0 to 16.
inline int copy_bytes(const int left) {
    return left >= 4 ? 16 : left > 0 ? 4 * left : 0;
}

// Stage copies of op(A) rows i0.., k p0.. and op(B) k p0.., columns j0..: each work-item A_LOADS and B_LOADS copies
// of 16 bytes, consecutive work-items on consecutive 16 bytes of a row. `bytes` is what lies inside the matrix.
inline void load_stage(__local float* as, __local float* bs, const __global float* A, const int lda,
                       const __global float* B, const int ldb, const int M, const int N, const int K,
                       const int i0, const int j0, const int p0, const int tid) {
    #pragma unroll
    for (int l = 0; l < A_LOADS; l++) {
        const int c = tid + l * WGS;
#if TRANSA
        const int kk = c / (MWG / 4), x = (c % (MWG / 4)) * 4;
        const int p = p0 + kk, i = i0 + x;
        const int bytes = p < K ? copy_bytes(M - i) : 0;
        copy16(as + kk * LDM + x, bytes > 0 ? A + p * lda + i : A, bytes);
#else
        const int r = c / (KWG / 4), x = (c % (KWG / 4)) * 4;
        const int i = i0 + r, p = p0 + x;
        const int bytes = i < M ? copy_bytes(K - p) : 0;
        copy16(as + r * LDK + x, bytes > 0 ? A + i * lda + p : A, bytes);
#endif
    }
    #pragma unroll
    for (int l = 0; l < B_LOADS; l++) {
        const int c = tid + l * WGS;
#if TRANSB
        const int r = c / (KWG / 4), x = (c % (KWG / 4)) * 4;
        const int j = j0 + r, p = p0 + x;
        const int bytes = j < N ? copy_bytes(K - p) : 0;
        copy16(bs + r * LDK + x, bytes > 0 ? B + j * ldb + p : B, bytes);
#else
        const int kk = c / (NWG / 4), x = (c % (NWG / 4)) * 4;
        const int p = p0 + kk, j = j0 + x;
        const int bytes = p < K ? copy_bytes(N - j) : 0;
        copy16(bs + kk * LDN + x, bytes > 0 ? B + p * ldb + j : B, bytes);
#endif
    }
}

// ---------------------------------------------------------------- the kernel

// gemm_mma_nn: C (M×N) ← α·A (M×K)·B (K×N) + β·C
// gemm_mma_nt: C (M×N) ← α·A (M×K)·Bᵀ, B is N×K, + β·C
// gemm_mma_tn: C (M×N) ← α·Aᵀ, A is K×M, ·B (K×N) + β·C
// gemm_mma_tt: C (M×N) ← α·Aᵀ, A is K×M, ·Bᵀ, B is N×K, + β·C
// lda and ldb (the column counts of A and B as stored) must be multiples of 4; ldc is C's column count.
// NDRange: (groups along N · WGS, groups along M), work-groups of (WGS, 1).
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1)))
void GEMM_KERNEL(const int M, const int N, const int K, const float alpha, const float beta,
                 const __global float* restrict A, const int lda, const __global float* restrict B, const int ldb,
                 __global float* C, const int ldc) {
    // float4, so that every 16-byte copy and ldmatrix row is 16-byte aligned (LDK, LDM, LDN are multiples of 4).
    __local float4 tiles4[STAGES * (A_STAGE + B_STAGE) / 4];
    __local float* tiles = (__local float*) tiles4;
#ifdef MMA_EMULATE
    __local uint exchange[WGS * XFRAG];
#endif
    const int tid = get_local_id(0);
    const int lane = tid % 32, warp = tid / 32;
    const int wm = (warp % WM) * WTM, wn = (warp / WM) * WTN;
    const int i0 = get_group_id(1) * MWG, j0 = get_group_id(0) * NWG;
    const int steps = (K + KWG - 1) / KWG;
#ifdef MMA_EMULATE
    __local uint* xch = exchange + warp * 32 * XFRAG;
#else
    __local uint* xch = 0;
#endif

    float acc[MT][NT][4];
    #pragma unroll
    for (int i = 0; i < MT; i++) {
        #pragma unroll
        for (int j = 0; j < NT; j++) {
            acc[i][j][0] = acc[i][j][1] = acc[i][j][2] = acc[i][j][3] = 0.0f;
        }
    }

    // Stages 0 .. STAGES-2 in flight before the first product; each later step starts the stage STAGES-1 ahead into
    // the buffer the step before it has finished with (the barrier says every warp has). Every step commits a
    // group, empty ones too, so that "at most STAGES-2 pending" always means "the oldest has landed".
    for (int s = 0; s < STAGES - 1; s++) {
        if (s < steps) {
            load_stage(tiles + s * (A_STAGE + B_STAGE), tiles + s * (A_STAGE + B_STAGE) + A_STAGE,
                       A, lda, B, ldb, M, N, K, i0, j0, s * KWG, tid);
        }
        CP_ASYNC_COMMIT();
    }
    for (int t = 0; t < steps; t++) {
        CP_ASYNC_WAIT();
        barrier(CLK_LOCAL_MEM_FENCE);
        const int next = t + STAGES - 1;
        if (next < steps) {
            __local float* ns = tiles + (next % STAGES) * (A_STAGE + B_STAGE);
            load_stage(ns, ns + A_STAGE, A, lda, B, ldb, M, N, K, i0, j0, next * KWG, tid);
        }
        CP_ASYNC_COMMIT();
        __local const float* as = tiles + (t % STAGES) * (A_STAGE + B_STAGE);
        __local const float* bs = as + A_STAGE;
        #pragma unroll
        for (int kc = 0; kc < KWG; kc += 16) {
            uint fa[MT][4], fb[NT][2];
            uint ha[MT][4], hb[NT][2];
            load_a(fa, as, wm, kc, lane);
            load_b(fb, bs, wn, kc, lane);
            load_a(ha, as, wm, kc + 8, lane);
            load_b(hb, bs, wn, kc + 8, lane);
#if PRECISION == 1
            // Two k8 products: rows/columns as loaded, each element rounded to tf32.
            #pragma unroll
            for (int i = 0; i < MT; i++) {
                #pragma unroll
                for (int q = 0; q < 4; q++) {
                    fa[i][q] = to_tf32(as_float(fa[i][q]));
                    ha[i][q] = to_tf32(as_float(ha[i][q]));
                }
            }
            #pragma unroll
            for (int j = 0; j < NT; j++) {
                #pragma unroll
                for (int q = 0; q < 2; q++) {
                    fb[j][q] = to_tf32(as_float(fb[j][q]));
                    hb[j][q] = to_tf32(as_float(hb[j][q]));
                }
            }
            warp_mma(acc, fa, fb, xch, lane);
            warp_mma(acc, ha, hb, xch, lane);
#else
            // One k16 product: registers of two bf16 each, k renumbered as the head of this file says.
            uint pa[MT][4], pb[NT][2];
            #pragma unroll
            for (int i = 0; i < MT; i++) {
                pa[i][0] = to_bf16x2(as_float(fa[i][2]), as_float(fa[i][0]));   // row g:   k t, t+4
                pa[i][1] = to_bf16x2(as_float(fa[i][3]), as_float(fa[i][1]));   // row g+8: k t, t+4
                pa[i][2] = to_bf16x2(as_float(ha[i][2]), as_float(ha[i][0]));   // row g:   k t+8, t+12
                pa[i][3] = to_bf16x2(as_float(ha[i][3]), as_float(ha[i][1]));   // row g+8: k t+8, t+12
            }
            #pragma unroll
            for (int j = 0; j < NT; j++) {
                pb[j][0] = to_bf16x2(as_float(fb[j][1]), as_float(fb[j][0]));   // k t, t+4
                pb[j][1] = to_bf16x2(as_float(hb[j][1]), as_float(hb[j][0]));   // k t+8, t+12
            }
            warp_mma(acc, pa, pb, xch, lane);
#endif
        }
    }

    // C ← α·acc + β·C; with β = 0, C is never read (it may hold NaN garbage). Lane (g, t) holds, per tile, C at
    // rows g and g + 8, columns 2t and 2t + 1.
    const int g = lane / 4, t = lane % 4;
    #pragma unroll
    for (int i = 0; i < MT; i++) {
        #pragma unroll
        for (int h = 0; h < 2; h++) {
            const int r = i0 + wm + 16 * i + g + 8 * h;
            if (r < M) {
                #pragma unroll
                for (int j = 0; j < NT; j++) {
                    const int c = j0 + wn + 8 * j + 2 * t;
                    __global float* pc = C + r * ldc + c;
                    const float v0 = alpha * acc[i][j][2 * h], v1 = alpha * acc[i][j][2 * h + 1];
                    if (c < N)     pc[0] = beta == 0.0f ? v0 : v0 + beta * pc[0];
                    if (c + 1 < N) pc[1] = beta == 0.0f ? v1 : v1 + beta * pc[1];
                }
            }
        }
    }
}
