// optimizer.cl: parameter updates in place, one work-item per element (size = rows·cols of θ).

// θ ← θ − η (g + λθ); θ, g: size floats.
__kernel void sgd_step(const int size, __global float* P, const __global float* G, const float lr, const float decay) {
    const int e = get_global_id(0);
    if (e < size) {
        P[e] -= lr * (G[e] + decay * P[e]);
    }
}

// g' = g + λθ; v ← μv + g'; θ ← θ − η (nesterov ? g' + μv : v); θ, g, v: size floats.
__kernel void momentum_step(const int size, __global float* P, const __global float* G, __global float* V,
                            const float lr, const float mu, const float decay, const int nesterov) {
    const int e = get_global_id(0);
    if (e < size) {
        const float g = G[e] + decay * P[e];
        const float v = mu * V[e] + g;
        V[e] = v;
        P[e] -= lr * (nesterov ? g + mu * v : v);
    }
}

// Adam / AdamW at step t, with bc1 = 1 − β1^t and bc2 = 1 − β2^t computed on the host:
// g' = g + λθ (unless decoupled); m ← β1 m + (1−β1) g'; v ← β2 v + (1−β2) g'²;
// θ ← θ − η (m/bc1 / (√(v/bc2) + ε) + (decoupled ? λθ : 0)); θ, g, m, v: size floats.
__kernel void adam_step(const int size, __global float* P, const __global float* G, __global float* M,
                        __global float* V, const float lr, const float beta1, const float beta2, const float eps,
                        const float decay, const int decoupled, const float bc1, const float bc2) {
    const int e = get_global_id(0);
    if (e < size) {
        const float p = P[e];
        const float g = decoupled ? G[e] : G[e] + decay * p;
        const float m = beta1 * M[e] + (1.0f - beta1) * g;
        const float v = beta2 * V[e] + (1.0f - beta2) * g * g;
        M[e] = m;
        V[e] = v;
        const float mHat = m / bc1;
        const float vHat = v / bc2;
        P[e] = p - lr * (mHat / (sqrt(vHat) + eps) + (decoupled ? decay * p : 0.0f));
    }
}

// x ← α·x in place (gradient-norm clipping); x: size floats.
__kernel void scale(const int size, __global float* X, const float alpha) {
    const int e = get_global_id(0);
    if (e < size) {
        X[e] *= alpha;
    }
}
