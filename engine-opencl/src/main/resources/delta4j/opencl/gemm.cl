// gemm.cl: C ← α·op(A)·op(B) + β·C for row-major float32 matrices, op(X) = X or Xᵀ.
//
// Four kernels, one per (transA, transB): gemm_nn (A·W, forward), gemm_nt (Δ·Wᵀ, δ propagation),
// gemm_tn (Aᵀ·Δ, weight gradient) and gemm_tt. This file is compiled once per variant, with TRANSA and
// TRANSB defined to 0 or 1, so each variant is a kernel of its own with the transposes fixed at compile
// time (no reliance on the inliner to specialise a shared routine). The variants differ only in how a
// tile is read from global memory; no operand is ever transposed explicitly.

// Tile parameters arrive as -D defines (delta4j.opencl.GemmConfig):
//   MWG × NWG  the block of C one work-group computes;   KWG  the k-depth of one tile step;
//   MDIMC × NDIMC  work-items per group (rows × columns); PAD  extra floats per local row.
// A work-item accumulates MWI × NWI = (MWG/MDIMC) × (NWG/NDIMC) elements of C in registers, as 4×4
// blocks spaced 4·MDIMC rows and 4·NDIMC columns apart: neighbouring work-items then read neighbouring
// float4s from local memory (no bank conflicts) and write neighbouring float4s of C (coalesced).
// Tiles are staged in local memory, k-major (element (kk, i) at kk·(MWG+PAD) + i), double-buffered:
// the next tile is fetched into registers while the current one is multiplied, with one barrier per step.
// A work-group whose block lies inside C, on operands whose rows start 16-byte aligned, reads float4s
// without bounds checks; ragged edges (and the last partial k-step) take a checked path that reads zeros
// outside the matrices, so callers never pad their tensors.

#ifndef MWG
#define MWG 64
#endif
#ifndef NWG
#define NWG 64
#endif
#ifndef KWG
#define KWG 16
#endif
#ifndef MDIMC
#define MDIMC 16
#endif
#ifndef NDIMC
#define NDIMC 16
#endif
#ifndef PAD
#define PAD 4
#endif

// The multiply-add of the inner loop. GPUs get fma() explicitly (USE_FMA, set by the engine: one FFMA
// on NVIDIA, whatever the compiler's contraction default), as do devices that say fma is fast; elsewhere
// a·b + c, which the compiler may contract (OpenCL's FP_CONTRACT is on by default) but need not emulate.
#if defined(USE_FMA) || defined(FP_FAST_FMAF)
#define MADD(a, b, c) fma(a, b, c)
#else
#define MADD(a, b, c) ((a) * (b) + (c))
#endif

// Operand rounding of the products (delta4j.engine.Precision, PRECISION 0 fp32, 1 tf32, 2 bf16), applied to every
// element as it is read from global memory, so the local tiles hold rounded operands and the FMAs below multiply
// them exactly as the definition says (products of rounded operands are exact in fp32). Bit operations on the
// float bits, as Precision.round defines them: tf32 adds 2^12 and clears the low 13 bits (ties away from zero),
// bf16 adds 2^15 - 1 plus bit 16 and clears the low 16 bits (ties to even); NaN is quieted and masked instead,
// so its carry never reaches the sign. Zeros read outside the matrices stay zeros.
#ifndef PRECISION
#define PRECISION 0
#endif
#if PRECISION == 1
#define ROUND_HALF(b) ((uint4)(0x1000u))
#define ROUND_KEEP 0xFFFFE000u
#elif PRECISION == 2
#define ROUND_HALF(b) ((uint4)(0x7FFFu) + (((b) >> 16) & 1u))
#define ROUND_KEEP 0xFFFF0000u
#endif

inline float4 round_operand(const float4 v) {
#if PRECISION == 0
    return v;
#else
    const uint4 b = as_uint4(v);
    const uint4 r = (b + ROUND_HALF(b)) & ROUND_KEEP;
    const uint4 q = (b | 0x00400000u) & ROUND_KEEP;
    return as_float4(select(r, q, (b & 0x7FFFFFFFu) > 0x7F800000u));
#endif
}

#define MWI (MWG / MDIMC)
#define NWI (NWG / NDIMC)
#define MB (MWI / 4)
#define NB (NWI / 4)
#define WGS (MDIMC * NDIMC)
#define LDAS (MWG + PAD)
#define LDBS (NWG + PAD)
#define ALOADS (MWG * KWG / (4 * WGS))
#define BLOADS (NWG * KWG / (4 * WGS))

#if (MWI % 4) || (NWI % 4) || (KWG % 4) || (PAD % 4) || ALOADS < 1 || BLOADS < 1 \
    || (MWG * KWG) % (4 * WGS) || (NWG * KWG) % (4 * WGS)
#error "gemm tile parameters: MWG/MDIMC and NWG/NDIMC must be multiples of 4, KWG and PAD multiples of 4, and each tile a whole number of float4s per work-item"
#endif

// Reads the f-th float4 of an L×KWG tile stored k-contiguous: element (r, kk) at X[(l0 + r)·ld + p0 + kk].
// (A in gemm_nn, B in gemm_nt.)
inline float4 load_kc(const __global float* X, const int ld, const int l0, const int p0,
                      const int L, const int K, const int f, const bool fast) {
    const int r = f / (KWG / 4);
    const int kq = (f % (KWG / 4)) * 4;
    const int row = l0 + r;
    const int col = p0 + kq;
    if (fast) {
        return round_operand(*(const __global float4*)(X + row * ld + col));
    }
    float4 v = (float4)(0.0f);
    if (row < L) {
        const __global float* p = X + row * ld + col;
        if (col < K)     v.s0 = p[0];
        if (col + 1 < K) v.s1 = p[1];
        if (col + 2 < K) v.s2 = p[2];
        if (col + 3 < K) v.s3 = p[3];
    }
    return round_operand(v);
}

// Stores what load_kc read, transposed into the k-major local tile.
inline void store_kc(__local float* Xs, const int lds, const int f, const float4 v) {
    const int r = f / (KWG / 4);
    const int kq = (f % (KWG / 4)) * 4;
    Xs[(kq + 0) * lds + r] = v.s0;
    Xs[(kq + 1) * lds + r] = v.s1;
    Xs[(kq + 2) * lds + r] = v.s2;
    Xs[(kq + 3) * lds + r] = v.s3;
}

// Reads the f-th float4 of a KWG×TL tile stored l-contiguous: element (kk, c) at X[(p0 + kk)·ld + l0 + c].
// (B in gemm_nn, A in gemm_tn.)
inline float4 load_lc(const __global float* X, const int ld, const int l0, const int p0,
                      const int L, const int K, const int f, const bool fast, const int TL) {
    const int kk = f / (TL / 4);
    const int c = (f % (TL / 4)) * 4;
    const int p = p0 + kk;
    const int l = l0 + c;
    if (fast) {
        return round_operand(*(const __global float4*)(X + p * ld + l));
    }
    float4 v = (float4)(0.0f);
    if (p < K) {
        const __global float* q = X + p * ld + l;
        if (l < L)     v.s0 = q[0];
        if (l + 1 < L) v.s1 = q[1];
        if (l + 2 < L) v.s2 = q[2];
        if (l + 3 < L) v.s3 = q[3];
    }
    return round_operand(v);
}

// Stores what load_lc read, as it is, into the k-major local tile.
inline void store_lc(__local float* Xs, const int lds, const int f, const float4 v, const int TL) {
    const int kk = f / (TL / 4);
    const int c = (f % (TL / 4)) * 4;
    *(__local float4*)(Xs + kk * lds + c) = v;
}

#ifndef TRANSA
#define TRANSA 0
#endif
#ifndef TRANSB
#define TRANSB 0
#endif
#if TRANSA && TRANSB
#define GEMM_KERNEL gemm_tt
#elif TRANSA
#define GEMM_KERNEL gemm_tn
#elif TRANSB
#define GEMM_KERNEL gemm_nt
#else
#define GEMM_KERNEL gemm_nn
#endif

// gemm_nn: C (M×N) ← α·A (M×K)·B (K×N) + β·C
// gemm_nt: C (M×N) ← α·A (M×K)·Bᵀ, B is N×K, + β·C
// gemm_tn: C (M×N) ← α·Aᵀ, A is K×M, ·B (K×N) + β·C
// gemm_tt: C (M×N) ← α·Aᵀ, A is K×M, ·Bᵀ, B is N×K, + β·C
// lda, ldb, ldc are the column counts of A, B, C as stored; aligned = all three are multiples of 4.
__kernel __attribute__((reqd_work_group_size(NDIMC, MDIMC, 1)))
void GEMM_KERNEL(const int M, const int N, const int K, const float alpha, const float beta,
                 const __global float* restrict A, const int lda, const __global float* restrict B, const int ldb,
                 __global float* C, const int ldc, const int aligned) {
    // Declared as float4 so that float4 accesses to the tiles are aligned.
    __local float4 As4[2 * KWG * LDAS / 4];
    __local float4 Bs4[2 * KWG * LDBS / 4];
    __local float* As = (__local float*) As4;
    __local float* Bs = (__local float*) Bs4;
    const bool transA = TRANSA;
    const bool transB = TRANSB;
    const int tx = get_local_id(0);
    const int ty = get_local_id(1);
    const int tid = ty * NDIMC + tx;
    const int i0 = get_group_id(1) * MWG;
    const int j0 = get_group_id(0) * NWG;
    // Uniform across the work-group, so the branches below never diverge inside it.
    const bool interior = aligned && i0 + MWG <= M && j0 + NWG <= N;
    const int steps = (K + KWG - 1) / KWG;

    float4 acc[MWI][NB];
    #pragma unroll
    for (int r = 0; r < MWI; r++) {
        #pragma unroll
        for (int u = 0; u < NB; u++) {
            acc[r][u] = (float4)(0.0f);
        }
    }
    float4 ra[ALOADS];
    float4 rb[BLOADS];

    {
        const bool fast = interior && KWG <= K;
        #pragma unroll
        for (int l = 0; l < ALOADS; l++) {
            const int f = tid + l * WGS;
            if (transA) { store_lc(As, LDAS, f, load_lc(A, lda, i0, 0, M, K, f, fast, MWG), MWG); }
            else        { store_kc(As, LDAS, f, load_kc(A, lda, i0, 0, M, K, f, fast)); }
        }
        #pragma unroll
        for (int l = 0; l < BLOADS; l++) {
            const int f = tid + l * WGS;
            if (transB) { store_kc(Bs, LDBS, f, load_kc(B, ldb, j0, 0, N, K, f, fast)); }
            else        { store_lc(Bs, LDBS, f, load_lc(B, ldb, j0, 0, N, K, f, fast, NWG), NWG); }
        }
    }
    barrier(CLK_LOCAL_MEM_FENCE);

    for (int t = 0; t < steps; t++) {
        __local const float* as = As + (t & 1) * (KWG * LDAS);
        __local const float* bs = Bs + (t & 1) * (KWG * LDBS);
        const bool more = t + 1 < steps;
        if (more) {
            const int p0 = (t + 1) * KWG;
            const bool fast = interior && p0 + KWG <= K;
            #pragma unroll
            for (int l = 0; l < ALOADS; l++) {
                const int f = tid + l * WGS;
                ra[l] = transA ? load_lc(A, lda, i0, p0, M, K, f, fast, MWG) : load_kc(A, lda, i0, p0, M, K, f, fast);
            }
            #pragma unroll
            for (int l = 0; l < BLOADS; l++) {
                const int f = tid + l * WGS;
                rb[l] = transB ? load_kc(B, ldb, j0, p0, N, K, f, fast) : load_lc(B, ldb, j0, p0, N, K, f, fast, NWG);
            }
        }
        #pragma unroll
        for (int kk = 0; kk < KWG; kk++) {
            float4 a[MB];
            float4 b[NB];
            #pragma unroll
            for (int s = 0; s < MB; s++) {
                a[s] = *(__local const float4*)(as + kk * LDAS + s * 4 * MDIMC + ty * 4);
            }
            #pragma unroll
            for (int u = 0; u < NB; u++) {
                b[u] = *(__local const float4*)(bs + kk * LDBS + u * 4 * NDIMC + tx * 4);
            }
            #pragma unroll
            for (int s = 0; s < MB; s++) {
                #pragma unroll
                for (int u = 0; u < NB; u++) {
                    acc[s * 4 + 0][u] = MADD((float4)(a[s].s0), b[u], acc[s * 4 + 0][u]);
                    acc[s * 4 + 1][u] = MADD((float4)(a[s].s1), b[u], acc[s * 4 + 1][u]);
                    acc[s * 4 + 2][u] = MADD((float4)(a[s].s2), b[u], acc[s * 4 + 2][u]);
                    acc[s * 4 + 3][u] = MADD((float4)(a[s].s3), b[u], acc[s * 4 + 3][u]);
                }
            }
        }
        if (more) {
            __local float* an = As + ((t + 1) & 1) * (KWG * LDAS);
            __local float* bn = Bs + ((t + 1) & 1) * (KWG * LDBS);
            #pragma unroll
            for (int l = 0; l < ALOADS; l++) {
                const int f = tid + l * WGS;
                if (transA) { store_lc(an, LDAS, f, ra[l], MWG); } else { store_kc(an, LDAS, f, ra[l]); }
            }
            #pragma unroll
            for (int l = 0; l < BLOADS; l++) {
                const int f = tid + l * WGS;
                if (transB) { store_kc(bn, LDBS, f, rb[l]); } else { store_lc(bn, LDBS, f, rb[l], NWG); }
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    // C ← α·acc + β·C; with β = 0, C is never read (it may hold NaN garbage).
    #pragma unroll
    for (int s = 0; s < MB; s++) {
        #pragma unroll
        for (int q = 0; q < 4; q++) {
            const int i = i0 + s * 4 * MDIMC + ty * 4 + q;
            #pragma unroll
            for (int u = 0; u < NB; u++) {
                const int j = j0 + u * 4 * NDIMC + tx * 4;
                const float4 v = alpha * acc[s * 4 + q][u];
                if (interior) {
                    __global float4* pc = (__global float4*)(C + i * ldc + j);
                    *pc = beta == 0.0f ? v : v + beta * *pc;
                } else if (i < M) {
                    __global float* pc = C + i * ldc + j;
                    if (j < N)     pc[0] = beta == 0.0f ? v.s0 : v.s0 + beta * pc[0];
                    if (j + 1 < N) pc[1] = beta == 0.0f ? v.s1 : v.s1 + beta * pc[1];
                    if (j + 2 < N) pc[2] = beta == 0.0f ? v.s2 : v.s2 + beta * pc[2];
                    if (j + 3 < N) pc[3] = beta == 0.0f ? v.s3 : v.s3 + beta * pc[3];
                }
            }
        }
    }
}
