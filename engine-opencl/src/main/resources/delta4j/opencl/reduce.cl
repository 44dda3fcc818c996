// reduce.cl: sums. Built first in the element-wise program, so its helpers serve activation.cl and loss.cl.
// RWG (a -D define, a power of two) is the work-group size of every kernel here that reduces in local memory.
// Sums are accumulated in double where the device has it (the reference engine sums in double), else float.

#ifndef RWG
#define RWG 256
#endif

#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double acc_t;
#else
typedef float acc_t;
#endif

// The sum of v over the work-group (RWG work-items in dimension 0); every work-item gets it.
inline acc_t group_sum(acc_t v, __local acc_t* s) {
    const int lid = get_local_id(0);
    s[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int w = RWG / 2; w > 0; w >>= 1) {
        if (lid < w) {
            s[lid] += s[lid + w];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const acc_t r = s[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

// The maximum of v over the work-group; every work-item gets it.
inline float group_max(float v, __local float* s) {
    const int lid = get_local_id(0);
    s[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int w = RWG / 2; w > 0; w >>= 1) {
        if (lid < w) {
            s[lid] = fmax(s[lid], s[lid + w]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float r = s[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

// out[j] ← α·Σ_i X[i][j]; X: rows×n, out: 1×n. Work-groups of (CS_COLS, CS_ROWS): CS_COLS adjacent
// columns (coalesced reads), CS_ROWS work-items striding down the rows of each, then a local sum.
#define CS_COLS 32
#define CS_ROWS 8
__kernel __attribute__((reqd_work_group_size(CS_COLS, CS_ROWS, 1)))
void column_sum(const int rows, const int n, const float alpha, const __global float* X, __global float* out) {
    __local acc_t s[CS_ROWS][CS_COLS];
    const int lx = get_local_id(0);
    const int ly = get_local_id(1);
    const int j = get_group_id(0) * CS_COLS + lx;
    acc_t sum = 0;
    if (j < n) {
        for (int i = ly; i < rows; i += CS_ROWS) {
            sum += X[i * n + j];
        }
    }
    s[ly][lx] = sum;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (ly == 0 && j < n) {
        acc_t total = 0;
        for (int r = 0; r < CS_ROWS; r++) {
            total += s[r][lx];
        }
        out[j] = (float) (alpha * total);
    }
}

// partial[g] ← Σ x² over the elements that work-group g visits (grid-stride); X: size floats, partial: groups.
__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void sum_squares_partial(const int size, const __global float* X, __global float* partial) {
    __local acc_t s[RWG];
    acc_t sum = 0;
    for (int e = get_global_id(0); e < size; e += get_global_size(0)) {
        const acc_t x = X[e];
        sum += x * x;
    }
    sum = group_sum(sum, s);
    if (get_local_id(0) == 0) {
        partial[get_group_id(0)] = (float) sum;
    }
}

// out[index] ← Σ partial[0..count); one work-group of RWG.
__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void sum_into(const int count, const __global float* partial, __global float* out, const int index) {
    __local acc_t s[RWG];
    acc_t sum = 0;
    for (int e = get_local_id(0); e < count; e += RWG) {
        sum += partial[e];
    }
    sum = group_sum(sum, s);
    if (get_local_id(0) == 0) {
        out[index] = (float) sum;
    }
}
