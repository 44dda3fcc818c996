// activation.cl: φ forward (fused with the bias) and φ' backward, side by side.
// Each element-wise activation defines phi_<id>(z) and phi_prime_<id>(zin, a), <id> being its
// delta4j.engine.Activation id. ActivationDispatch generates, ahead of this file, the ACT_* codes
// (Activation.code(), never ordinals) and the case lists PHI_CASES / PHI_PRIME_CASES that call them, so an
// activation without its two functions here fails the build rather than computing something else.
// Full-precision exp/tanh (never native_*), so results stay within the kit's element tolerance.
// Saturated inputs must give the exact limits (the kit's saturatedInputsGiveExactValues): OpenCL allows tanh
// a few ulp, and PoCL's tanh never reaches 1 (0.99999994 even at 1e6), which left φ' = 1 − a² at 1.2e-7 where
// the derivative is 0. So tanh saturates here. sigmoid needs nothing: exp(−z) is 0 or +∞ (never NaN) past
// its range, giving exactly 1 or 0. softmax subtracts the row's maximum, so exp sees only z − max ≤ 0 and
// the maximum's own term is exp(0) = 1.

#define LEAKY_SLOPE 0.01f
// The smallest float whose tanh rounds to 1 (EngineConformanceKit.TANH_SATURATES_AT): from here on ±1 is
// the correctly rounded answer.
#define TANH_SATURATES_AT 9.010914f

// φ(z) = z, φ' = 1
inline float phi_identity(const float z) { return z; }
inline float phi_prime_identity(const float zin, const float a) { return 1.0f; }

// φ(z) = 1 / (1 + e^−z), φ' = a(1 − a) from A
inline float phi_sigmoid(const float z) { return 1.0f / (1.0f + exp(-z)); }
inline float phi_prime_sigmoid(const float zin, const float a) { return a * (1.0f - a); }

// φ(z) = tanh z, φ' = 1 − a² from A
inline float phi_tanh(const float z) { return fabs(z) >= TANH_SATURATES_AT ? copysign(1.0f, z) : tanh(z); }
inline float phi_prime_tanh(const float zin, const float a) { return 1.0f - a * a; }

// φ(z) = max(0, z), φ' = [z > 0]
inline float phi_relu(const float z) { return z > 0.0f ? z : 0.0f; }
inline float phi_prime_relu(const float zin, const float a) { return zin > 0.0f ? 1.0f : 0.0f; }

// φ(z) = z for z > 0, else LEAKY_SLOPE·z
inline float phi_leaky_relu(const float z) { return z > 0.0f ? z : LEAKY_SLOPE * z; }
inline float phi_prime_leaky_relu(const float zin, const float a) { return zin > 0.0f ? 1.0f : LEAKY_SLOPE; }

// GELU: φ(z) = z·Φ(z), Φ(z) = ½ erfc(−z/√2) (erfc rather than 1 + erf keeps the lower tail's relative accuracy);
// φ' = Φ(z) + z·e^{−z²/2}/√(2π) from Zin.
// Rounding q = −z/√2 to float would cost erfc(q) a relative 2q·dq, dozens of ulps in the tail; dq (from fma and
// √½'s own rounding) puts it back to first order: erfc(q + dq) ≈ erfc(q)(1 − 2q·dq) for q > 0. Past q = 10
// erfc(q) is 0 in float, and the clamp keeps 2q·dq finite for any finite z.
inline float normal_cdf(const float z) {
    const float q = -z * M_SQRT1_2_F;
    const float dq = fma(-z, M_SQRT1_2_F, -q) - z * 1.2101617e-8f;
    const float tail = 0.5f * erfc(q);
    return q > 0.0f ? tail - tail * (2.0f * fmin(q, 10.0f) * dq) : tail;
}
inline float phi_gelu(const float z) { return z * normal_cdf(z); }
inline float phi_prime_gelu(const float zin, const float a) {
    // e^{−z²/2} = e^{−p/2}(1 − r/2) with z² = p + r exactly, for the same reason as dq; past |z| = 20 it is 0
    // in float, and the clamp keeps p finite.
    const float zc = clamp(zin, -20.0f, 20.0f);
    const float p = zc * zc;
    return normal_cdf(zin) + zin * (exp(-0.5f * p) * fma(-0.5f, fma(zc, zc, -p), 1.0f)) * 0.39894228f; // 1/√(2π)
}

// SiLU: φ(z) = z·σ(z) = z / (1 + e^−z) (−0 once e^−z overflows); φ' = σ(1 + z(1 − σ)) from Zin
inline float phi_silu(const float z) { return z / (1.0f + exp(-z)); }
inline float phi_prime_silu(const float zin, const float a) {
    const float s = 1.0f / (1.0f + exp(-zin));
    return s * (1.0f + zin * (1.0f - s));
}

// φ(z) of the activation with code act. The host passes only element-wise codes; NaN marks any other.
inline float phi(const int act, const float z) {
    switch (act) {
        PHI_CASES(z)
    }
    return NAN;
}

// φ'(z), from z_in or from a = φ(z_in), whichever is exact and cheap.
inline float phi_prime(const int act, const float zin, const float a) {
    switch (act) {
        PHI_PRIME_CASES(zin, a)
    }
    return NAN;
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
