// normalization.cl: layer and batch normalisation without their shift (y = γ ⊙ x̂; the model adds β as the next
// bias), each forward kernel beside its backward twin. Statistics are accumulated in acc_t (double where the
// device has it, as the reference engine does) in a fixed order, so every run gives the same bits: no atomics.
// In-place forms (y = x, dx = δ) are safe because every work-item writes only the elements it read itself, and
// only after the barriers of the reductions that consume every read of the group.

// Layer normalisation, one work-group of RWG per row i: μ_i, σ²_i = mean (x − μ_i)² (two passes),
// rstd_i = 1/√(σ²_i + ε), x̂ = (x − μ_i)·rstd_i, y = γ ⊙ x̂; X, x̂, Y: rows×n (Y may be X), γ: 1×n, rstd: rows×1.
__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void layer_norm(const int n, const __global float* X, const __global float* G, const float eps,
                __global float* H, __global float* R, __global float* Y) {
    __local acc_t s[RWG];
    const int lid = get_local_id(0);
    const int off = get_group_id(0) * n;
    acc_t sum = 0;
    for (int k = lid; k < n; k += RWG) {
        sum += X[off + k];
    }
    const acc_t mean = group_sum(sum, s) / n;
    acc_t ss = 0;
    for (int k = lid; k < n; k += RWG) {
        const acc_t d = X[off + k] - mean;
        ss += d * d;
    }
    const acc_t r = 1 / sqrt(group_sum(ss, s) / n + eps);
    if (lid == 0) {
        R[get_group_id(0)] = (float) r;
    }
    for (int k = lid; k < n; k += RWG) {
        const acc_t h = (X[off + k] - mean) * r;
        H[off + k] = (float) h;
        Y[off + k] = (float) (G[k] * h);
    }
}

// Backward twin of layer_norm, one work-group of RWG per row i: g = γ ⊙ δ_i,
// dx_i = rstd_i (g − mean(g) − x̂_i · mean(g ⊙ x̂_i)); δ, x̂, dx: rows×n (dx may be δ), γ: 1×n, rstd: rows×1.
// dγ comes from column_dot, enqueued before this kernel (it reads δ, which dx may overwrite).
__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void layer_norm_backward(const int n, const __global float* DY, const __global float* H, const __global float* R,
                         const __global float* G, __global float* DX) {
    __local acc_t s[RWG];
    const int lid = get_local_id(0);
    const int off = get_group_id(0) * n;
    acc_t sumG = 0, sumGH = 0;
    for (int k = lid; k < n; k += RWG) {
        const acc_t g = (acc_t) G[k] * DY[off + k];
        sumG += g;
        sumGH += g * H[off + k];
    }
    const acc_t meanG = group_sum(sumG, s) / n;
    const acc_t meanGH = group_sum(sumGH, s) / n;
    const acc_t r = R[get_group_id(0)];
    for (int k = lid; k < n; k += RWG) {
        const acc_t g = (acc_t) G[k] * DY[off + k];
        DX[off + k] = (float) (r * (g - meanG - H[off + k] * meanGH));
    }
}

// out_j ← α Σ_i A_ij B_ij (layer normalisation's dγ = α colsum(δ ⊙ x̂)); A, B: rows×n, out: 1×n.
// Work-groups as column_sum's: CS_COLS adjacent columns, CS_ROWS work-items down each, then a fixed-order sum.
__kernel __attribute__((reqd_work_group_size(CS_COLS, CS_ROWS, 1)))
void column_dot(const int rows, const int n, const float alpha, const __global float* A, const __global float* B,
                __global float* out) {
    __local acc_t s[CS_ROWS][CS_COLS];
    const int lx = get_local_id(0);
    const int ly = get_local_id(1);
    const int j = get_group_id(0) * CS_COLS + lx;
    acc_t sum = 0;
    if (j < n) {
        for (int i = ly; i < rows; i += CS_ROWS) {
            sum += (acc_t) A[i * n + j] * B[i * n + j];
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

// The sum of v over the CS_ROWS work-items of one column of a (CS_COLS, CS_ROWS) group, added in row order so
// that every work-item of the column gets the same bits.
inline acc_t column_group_sum(const acc_t v, __local acc_t (*s)[CS_COLS]) {
    const int lx = get_local_id(0);
    const int ly = get_local_id(1);
    s[ly][lx] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    acc_t total = 0;
    for (int r = 0; r < CS_ROWS; r++) {
        total += s[r][lx];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    return total;
}

// Batch normalisation in training, a (CS_COLS, CS_ROWS) work-group per CS_COLS columns, each column's N rows
// strided over CS_ROWS work-items: μ_j, σ²_j = mean over rows (x − μ_j)² (two passes), rstd_j = 1/√(σ²_j + ε),
// x̂ = (x − μ_j)·rstd_j, y = γ ⊙ x̂; running mean ← (1 − m)·running mean + m·μ_j, running variance ←
// (1 − m)·running variance + m·σ²_j·N/(N − 1) (unbiased, PyTorch's convention).
// X, x̂, Y: rows×n (Y may be X), γ, running mean, running variance, rstd: 1×n; rows ≥ 2.
__kernel __attribute__((reqd_work_group_size(CS_COLS, CS_ROWS, 1)))
void batch_norm(const int rows, const int n, const __global float* X, const __global float* G, const float eps,
                const float momentum, __global float* RM, __global float* RV, __global float* H, __global float* R,
                __global float* Y) {
    __local acc_t s[CS_ROWS][CS_COLS];
    const int ly = get_local_id(1);
    const int j = get_group_id(0) * CS_COLS + get_local_id(0);
    const bool live = j < n;
    acc_t sum = 0;
    if (live) {
        for (int i = ly; i < rows; i += CS_ROWS) {
            sum += X[i * n + j];
        }
    }
    const acc_t mean = column_group_sum(sum, s) / rows;
    acc_t ss = 0;
    if (live) {
        for (int i = ly; i < rows; i += CS_ROWS) {
            const acc_t d = X[i * n + j] - mean;
            ss += d * d;
        }
    }
    ss = column_group_sum(ss, s);
    if (!live) {
        return; // after the last barrier
    }
    const acc_t r = 1 / sqrt(ss / rows + eps);
    const acc_t g = G[j];
    for (int i = ly; i < rows; i += CS_ROWS) {
        const acc_t h = (X[i * n + j] - mean) * r;
        H[i * n + j] = (float) h;
        Y[i * n + j] = (float) (g * h);
    }
    if (ly == 0) {
        R[j] = (float) r;
        RM[j] = (float) ((1 - (acc_t) momentum) * RM[j] + (acc_t) momentum * mean);
        RV[j] = (float) ((1 - (acc_t) momentum) * RV[j] + (acc_t) momentum * ss / (rows - 1));
    }
}

// Backward twin of batch_norm, work-groups as batch_norm's: with sums over the N rows of column j,
// dx_ij = γ_j rstd_j (δ_ij − mean_i δ_ij − x̂_ij · mean_i δ_ij x̂_ij), dγ_j = α Σ_i δ_ij x̂_ij;
// δ, x̂, dx: rows×n (dx may be δ), γ, rstd, dγ: 1×n.
__kernel __attribute__((reqd_work_group_size(CS_COLS, CS_ROWS, 1)))
void batch_norm_backward(const int rows, const int n, const __global float* DY, const __global float* H,
                         const __global float* R, const __global float* G, const float alpha, __global float* DX,
                         __global float* DG) {
    __local acc_t s[CS_ROWS][CS_COLS];
    const int ly = get_local_id(1);
    const int j = get_group_id(0) * CS_COLS + get_local_id(0);
    const bool live = j < n;
    acc_t sumD = 0, sumDH = 0;
    if (live) {
        for (int i = ly; i < rows; i += CS_ROWS) {
            const acc_t d = DY[i * n + j];
            sumD += d;
            sumDH += d * H[i * n + j];
        }
    }
    sumD = column_group_sum(sumD, s);
    sumDH = column_group_sum(sumDH, s);
    if (!live) {
        return; // after the last barrier
    }
    const acc_t meanD = sumD / rows;
    const acc_t meanDH = sumDH / rows;
    const acc_t scale = (acc_t) G[j] * R[j];
    for (int i = ly; i < rows; i += CS_ROWS) {
        DX[i * n + j] = (float) (scale * (DY[i * n + j] - meanD - H[i * n + j] * meanDH));
    }
    if (ly == 0) {
        DG[j] = (float) (alpha * sumDH);
    }
}

// Batch normalisation at prediction, one work-item per element: y_ij = γ_j (x_ij − running mean_j) /
// √(running variance_j + ε); X, Y: size = rows·n floats (Y may be X), γ, running mean, running variance: 1×n.
__kernel void batch_norm_inference(const int size, const int n, const __global float* X, const __global float* G,
                                   const float eps, const __global float* RM, const __global float* RV,
                                   __global float* Y) {
    const int e = get_global_id(0);
    if (e < size) {
        const int j = e % n;
        const acc_t scale = G[j] / sqrt((acc_t) RV[j] + eps);
        Y[e] = (float) ((X[e] - (acc_t) RM[j]) * scale);
    }
}
