// activation.cl: φ forward (fused with the bias) and φ' backward, side by side.
// Activation codes are delta4j.engine.Activation ordinals: see ACT_* below (OpenClEngine passes ordinal()).
// Full-precision exp/tanh (never native_*), so results stay within the kit's element tolerance.
// Saturated inputs must give the exact limits (the kit's saturatedInputsGiveExactValues): OpenCL allows tanh
// a few ulp, and PoCL's tanh never reaches 1 (0.99999994 even at 1e6), which left φ' = 1 − a² at 1.2e-7 where
// the derivative is 0. So tanh saturates here. sigmoid needs nothing: exp(−z) is 0 or +∞ (never NaN) past
// its range, giving exactly 1 or 0. softmax subtracts the row's maximum, so exp sees only z − max ≤ 0 and
// the maximum's own term is exp(0) = 1.

#define ACT_IDENTITY 0
#define ACT_SIGMOID 1
#define ACT_TANH 2
#define ACT_RELU 3
#define ACT_LEAKY_RELU 4
#define LEAKY_SLOPE 0.01f
// The smallest float whose tanh rounds to 1 (EngineConformanceKit.TANH_SATURATES_AT): from here on ±1 is
// the correctly rounded answer.
#define TANH_SATURATES_AT 9.010914f

// φ(z)
inline float phi(const int act, const float z) {
    switch (act) {
        case ACT_SIGMOID:    return 1.0f / (1.0f + exp(-z));
        case ACT_TANH:       return fabs(z) >= TANH_SATURATES_AT ? copysign(1.0f, z) : tanh(z);
        case ACT_RELU:       return z > 0.0f ? z : 0.0f;
        case ACT_LEAKY_RELU: return z > 0.0f ? z : LEAKY_SLOPE * z;
        default:             return z;
    }
}

// φ'(z), from z_in or from a = φ(z_in), whichever is exact and cheap.
inline float phi_prime(const int act, const float zin, const float a) {
    switch (act) {
        case ACT_SIGMOID:    return a * (1.0f - a);
        case ACT_TANH:       return 1.0f - a * a;
        case ACT_RELU:       return zin > 0.0f ? 1.0f : 0.0f;
        case ACT_LEAKY_RELU: return zin > 0.0f ? 1.0f : LEAKY_SLOPE;
        default:             return 1.0f;
    }
}

// Zin ← Zin + 1·bᵀ, A ← φ(Zin); Zin, A: rows×n (size = rows·n; A may be Zin), b: 1×n.
__kernel void bias_activation(const int size, const int n, __global float* Z, const __global float* b,
                              __global float* A, const int act) {
    const int e = get_global_id(0);
    if (e < size) {
        const float z = Z[e] + b[e % n];
        Z[e] = z;
        A[e] = phi(act, z);
    }
}

// Row-wise softmax with the bias: Zin ← Zin + 1·bᵀ, A_ik ← e^{Z_ik − max_j Z_ij} / Σ_j e^{Z_ij − max_j Z_ij};
// Zin, A: rows×n (A may be Zin), b: 1×n. One work-group of RWG per row.
__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void bias_softmax(const int n, __global float* Z, const __global float* b, __global float* A) {
    __local float smax[RWG];
    __local acc_t ssum[RWG];
    const int lid = get_local_id(0);
    __global float* z = Z + get_group_id(0) * n;
    __global float* a = A + get_group_id(0) * n;
    float m = -INFINITY;
    for (int k = lid; k < n; k += RWG) {
        const float v = z[k] + b[k];
        z[k] = v;
        m = fmax(m, v);
    }
    m = group_max(m, smax);
    acc_t sum = 0;
    for (int k = lid; k < n; k += RWG) {
        sum += exp(z[k] - m);
    }
    const float total = (float) group_sum(sum, ssum);
    // group_sum ends with a barrier, so every read of z above happened before a (possibly z) is written.
    for (int k = lid; k < n; k += RWG) {
        a[k] = exp(z[k] - m) / total;
    }
}

// Δ ← G ⊙ φ'(Zin or A); all rows×n (size elements); Δ may be G.
__kernel void activation_backward(const int size, const __global float* G, const __global float* Z,
                                  const __global float* A, __global float* D, const int act) {
    const int e = get_global_id(0);
    if (e < size) {
        D[e] = G[e] * phi_prime(act, Z[e], A[e]);
    }
}
