// dropout.cl: inverted dropout with delta4j.engine.DropoutMask's counter-based masks, bit for bit: ulong
// arithmetic wraps modulo 2^64 as Java's long does, and >> on ulong is Java's >>>. The host passes the key,
// the threshold DropoutMask.threshold(p) and the float DropoutMask.scale(p), so every engine multiplies by the
// same rounded scale. The backward pass is the same kernel with the same key on the back-propagated error.

// SplitMix64's finaliser (DropoutMask.mix).
inline ulong dropout_mix(ulong z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
    return z ^ (z >> 31);
}

// Y_e ← keep(e) ? X_e · scale : 0 with keep(e) = (mix(key + (e + 1)·golden) >> 40) ≥ threshold;
// X, Y: size floats, e the flat row-major index (Y may be X).
__kernel void dropout(const int size, const __global float* X, __global float* Y, const ulong key,
                      const int threshold, const float scale) {
    const int e = get_global_id(0);
    if (e < size) {
        const uint bits = (uint) (dropout_mix(key + ((ulong) e + 1UL) * 0x9E3779B97F4A7C15UL) >> 40);
        Y[e] = bits >= (uint) threshold ? X[e] * scale : 0.0f;
    }
}
