package delta4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Optimizer updates in place on flat ranges [e0, e1), one pass over θ, g and the state tensors. The
 * arithmetic follows the reference engine's order (multiply, then add) so results agree to rounding.
 *
 * <p>The state (Adam's m and v, the momentum velocity) is stored with its subnormal lanes (|x| &lt; 2^−126)
 * set to zero. It decays geometrically where a gradient is exactly 0 (an input pixel that is black in every
 * image): Adam's m reaches the subnormal range after about 700 steps, and from then on every multiply on it
 * took a microcode assist. Java cannot set the CPU's flush-to-zero mode, so the kernels flush the state they
 * store; a subnormal m or v changes θ by less than 1e-30·η, nothing the reference engine's results could show.
 *
 * <p>The constraint: each step computes a state vector, flushes it in registers, stores it once and goes on
 * with the register. Stored, then reloaded to be flushed and reloaded again to be used, each state vector made
 * two round trips through memory, and Adam ran several times slower for it on a Zen 4 (engine-cpu/README.md, fused
 * element-wise kernels, has the figures).
 */
final class Optimizers {

    private Optimizers() {
    }

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;

    /** θ ← θ − η (g + λθ). */
    static void sgd(float[] p, float[] g, float lr, float decay, int e0, int e1) {
        int e = e0;
        for (int bound = e0 + F.loopBound(e1 - e0); e < bound; e += L) {
            FloatVector pv = FloatVector.fromArray(F, p, e);
            FloatVector step = FloatVector.fromArray(F, g, e).add(pv.mul(decay));
            pv.sub(step.mul(lr)).intoArray(p, e);
        }
        if (e < e1) {
            VectorMask<Float> m = F.indexInRange(e, e1);
            FloatVector pv = FloatVector.fromArray(F, p, e, m);
            FloatVector step = FloatVector.fromArray(F, g, e, m).add(pv.mul(decay));
            pv.sub(step.mul(lr)).intoArray(p, e, m);
        }
    }

    /**
     * g' = g + λθ; v ← μv + g'; θ ← θ − η (nesterov ? g' + μv : v). {@code pad} is 3·L floats of scratch for
     * the last partial vector, which goes through a zero-padded copy as in {@link #adam}.
     */
    static void momentum(float[] p, float[] g, float[] v, float lr, float mu, float decay, boolean nesterov,
                         int e0, int e1, float[] pad) {
        int e = e0;
        for (int bound = e0 + F.loopBound(e1 - e0); e < bound; e += L) {
            momentumStep(p, e, g, e, v, e, lr, mu, decay, nesterov);
        }
        if (e < e1) {
            int r = e1 - e;
            java.util.Arrays.fill(pad, 0, 3 * L, 0f);
            System.arraycopy(p, e, pad, 0, r);
            System.arraycopy(g, e, pad, L, r);
            System.arraycopy(v, e, pad, 2 * L, r);
            momentumStep(pad, 0, pad, L, pad, 2 * L, lr, mu, decay, nesterov);
            System.arraycopy(pad, 0, p, e, r);
            System.arraycopy(pad, 2 * L, v, e, r);
        }
    }

    /** One whole vector of θ, g and v, each at its own offset. */
    private static void momentumStep(float[] p, int e, float[] g, int ge, float[] v, int ve, float lr, float mu,
                                     float decay, boolean nesterov) {
        FloatVector pv = FloatVector.fromArray(F, p, e);
        FloatVector gv = FloatVector.fromArray(F, g, ge).add(pv.mul(decay));
        FloatVector vv = FloatVector.fromArray(F, v, ve).mul(mu).add(gv);
        vv = vv.blend(0f, vv.abs().compare(VectorOperators.LT, Float.MIN_NORMAL));
        vv.intoArray(v, ve);
        FloatVector step = nesterov ? gv.add(vv.mul(mu)) : vv;
        pv.sub(step.mul(lr)).intoArray(p, e);
    }

    /**
     * Adam at step t with bias corrections bc1 = 1 − β1^t, bc2 = 1 − β2^t; AdamW when decoupled (the decay
     * term uses θ before the step). {@code pad} is 4·L floats of scratch for the last partial vector.
     */
    static void adam(float[] p, float[] g, float[] mArr, float[] vArr, float lr, float beta1, float beta2,
                     float eps, float decay, boolean decoupled, float bc1, float bc2, int e0, int e1, float[] pad) {
        // m̂ = m·(1/bc1) and v̂ = v·(1/bc2): one division per element instead of three (a vector division costs
        // about as much as the rest of the step); m̂ and v̂ then differ from the reference's m/bc1 by an ulp.
        float rbc1 = 1f / bc1, rbc2 = 1f / bc2;
        int e = e0;
        for (int bound = e0 + F.loopBound(e1 - e0); e < bound; e += L) {
            adamStep(p, e, g, e, mArr, e, vArr, e, lr, beta1, beta2, eps, decay, decoupled, rbc1, rbc2);
        }
        if (e < e1) {
            // The last partial vector goes through a zero-padded copy (θ, g, m, v at pad[0], [L], [2L], [3L]),
            // so the step itself needs no masks: masked loads and stores with a mask made per vector made
            // the whole kernel run at about half its unmasked speed (engine-cpu/README.md, element-wise kernels).
            int r = e1 - e;
            java.util.Arrays.fill(pad, 0, 4 * L, 0f);
            System.arraycopy(p, e, pad, 0, r);
            System.arraycopy(g, e, pad, L, r);
            System.arraycopy(mArr, e, pad, 2 * L, r);
            System.arraycopy(vArr, e, pad, 3 * L, r);
            adamStep(pad, 0, pad, L, pad, 2 * L, pad, 3 * L, lr, beta1, beta2, eps, decay, decoupled, rbc1, rbc2);
            System.arraycopy(pad, 0, p, e, r);
            System.arraycopy(pad, 2 * L, mArr, e, r);
            System.arraycopy(pad, 3 * L, vArr, e, r);
        }
    }

    /** One whole vector of θ, g, m and v, each at its own offset. */
    private static void adamStep(float[] p, int e, float[] g, int ge, float[] mArr, int me, float[] vArr, int ve,
                                 float lr, float beta1, float beta2, float eps, float decay, boolean decoupled,
                                 float rbc1, float rbc2) {
        FloatVector pv = FloatVector.fromArray(F, p, e);
        FloatVector gv = FloatVector.fromArray(F, g, ge);
        if (!decoupled) {
            gv = gv.add(pv.mul(decay));
        }
        FloatVector mv = FloatVector.fromArray(F, mArr, me).mul(beta1).add(gv.mul(1 - beta1));
        FloatVector vv = FloatVector.fromArray(F, vArr, ve).mul(beta2).add(gv.mul(1 - beta2).mul(gv));
        mv = mv.blend(0f, mv.abs().compare(VectorOperators.LT, Float.MIN_NORMAL));
        vv = vv.blend(0f, vv.abs().compare(VectorOperators.LT, Float.MIN_NORMAL));
        mv.intoArray(mArr, me);
        vv.intoArray(vArr, ve);
        FloatVector mHat = mv.mul(rbc1), vHat = vv.mul(rbc2);
        FloatVector step = mHat.div(vHat.lanewise(VectorOperators.SQRT).add(eps));
        if (decoupled) {
            step = step.add(pv.mul(decay));
        }
        pv.sub(step.mul(lr)).intoArray(p, e);
    }
}
