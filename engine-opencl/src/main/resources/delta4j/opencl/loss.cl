// loss.cl: output δ fused with the loss. Each kernel writes δ and partial loss sums into a scratch
// buffer; reduce.cl's sum_into then writes the batch's loss sum to one element of a device tensor, so
// no host round trip happens per step.

// MSE: Δ ← (A − T) ⊙ φ'(Zin or A), partial[g] ← Σ ½(A − T)² over work-group g's elements (grid-stride);
// Zin, A, T, Δ: size floats; partial: number of groups.
__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void mse_delta(const int size, const __global float* Z, const __global float* A, const __global float* T,
               __global float* D, const int act, __global float* partial) {
    __local acc_t s[RWG];
    acc_t sum = 0;
    for (int e = get_global_id(0); e < size; e += get_global_size(0)) {
        const float diff = A[e] - T[e];
        D[e] = diff * phi_prime(act, Z[e], A[e]);
        sum += (acc_t) 0.5 * diff * diff;
    }
    sum = group_sum(sum, s);
    if (get_local_id(0) == 0) {
        partial[get_group_id(0)] = (float) sum;
    }
}

// Softmax cross-entropy: Δ ← A − T (A = softmax(Zin) from the forward pass) and
// rowLoss[i] ← −Σ_k T_ik (Z_ik − max − log Σ_j e^{Z_ij − max}); Zin, A, T, Δ: rows×n, rowLoss: rows.
// One work-group of RWG per row.
__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void softmax_ce_delta(const int n, const __global float* Z, const __global float* A, const __global float* T,
                      __global float* D, __global float* rowLoss) {
    __local float smax[RWG];
    __local acc_t ssum[RWG];
    const int lid = get_local_id(0);
    const int off = get_group_id(0) * n;
    float m = -INFINITY;
    for (int k = lid; k < n; k += RWG) {
        m = fmax(m, Z[off + k]);
    }
    m = group_max(m, smax);
    acc_t sum = 0;
    for (int k = lid; k < n; k += RWG) {
        sum += exp(Z[off + k] - m);
    }
    const acc_t lse = log(group_sum(sum, ssum));
    acc_t loss = 0;
    for (int k = lid; k < n; k += RWG) {
        const float t = T[off + k];
        D[off + k] = A[off + k] - t;
        if (t != 0.0f) {
            loss -= t * ((acc_t) Z[off + k] - m - lse);
        }
    }
    loss = group_sum(loss, ssum);
    if (lid == 0) {
        rowLoss[get_group_id(0)] = (float) loss;
    }
}

// L1: Δ ← sign(A − T) ⊙ φ'(Zin or A) (sign(0) = 0), partial[g] ← Σ |A − T| over work-group g's elements
// (grid-stride); Zin, A, T, Δ: size floats; partial: number of groups.
__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void l1_delta(const int size, const __global float* Z, const __global float* A, const __global float* T,
              __global float* D, const int act, __global float* partial) {
    __local acc_t s[RWG];
    acc_t sum = 0;
    for (int e = get_global_id(0); e < size; e += get_global_size(0)) {
        const float diff = A[e] - T[e];
        const float sgn = diff > 0.0f ? 1.0f : diff < 0.0f ? -1.0f : diff; // keeps ±0 and NaN, as Math.signum
        D[e] = sgn * phi_prime(act, Z[e], A[e]);
        sum += fabs((acc_t) diff);
    }
    sum = group_sum(sum, s);
    if (get_local_id(0) == 0) {
        partial[get_group_id(0)] = (float) sum;
    }
}

// Huber with threshold d > 0: Δ ← clamp(A − T, −d, d) ⊙ φ'(Zin or A), partial[g] ← Σ h(A − T) with
// h(r) = ½r² for |r| ≤ d, d(|r| − ½d) beyond, over work-group g's elements (grid-stride); shapes as l1_delta.
__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void huber_delta(const int size, const __global float* Z, const __global float* A, const __global float* T,
                 __global float* D, const int act, const float d, __global float* partial) {
    __local acc_t s[RWG];
    acc_t sum = 0;
    for (int e = get_global_id(0); e < size; e += get_global_size(0)) {
        const float diff = A[e] - T[e];
        const float clipped = diff > d ? d : diff < -d ? -d : diff; // NaN stays NaN (fmin/fmax would drop it)
        D[e] = clipped * phi_prime(act, Z[e], A[e]);
        const acc_t r = fabs((acc_t) diff);
        sum += r <= d ? (acc_t) 0.5 * r * r : d * (r - (acc_t) 0.5 * d);
    }
    sum = group_sum(sum, s);
    if (get_local_id(0) == 0) {
        partial[get_group_id(0)] = (float) sum;
    }
}

// Binary cross-entropy on sigmoid outputs: Δ ← A − T (A = σ(Zin) from the forward pass), partial[g] ←
// Σ max(z, 0) − z·t + log(1 + e^{−|z|}) over work-group g's elements (grid-stride). The exponent is never
// positive, so the loss stays finite for logits of any size. Zin, A, T, Δ: size floats; partial: groups.
__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void bce_delta(const int size, const __global float* Z, const __global float* A, const __global float* T,
               __global float* D, __global float* partial) {
    __local acc_t s[RWG];
    acc_t sum = 0;
    for (int e = get_global_id(0); e < size; e += get_global_size(0)) {
        const acc_t z = Z[e];
        const float t = T[e];
        D[e] = A[e] - t;
        sum += fmax(z, (acc_t) 0) - z * t + log1p(exp(-fabs(z)));
    }
    sum = group_sum(sum, s);
    if (get_local_id(0) == 0) {
        partial[get_group_id(0)] = (float) sum;
    }
}
