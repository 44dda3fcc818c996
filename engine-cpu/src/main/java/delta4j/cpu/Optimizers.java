package delta4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Optimizer updates in place on flat ranges [e0, e1), one pass over θ, g and the state tensors. The
 * arithmetic follows the reference engine's order (multiply, then add) so results agree to rounding.
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

    /** g' = g + λθ; v ← μv + g'; θ ← θ − η (nesterov ? g' + μv : v). */
    static void momentum(float[] p, float[] g, float[] v, float lr, float mu, float decay, boolean nesterov,
                         int e0, int e1) {
        for (int e = e0; e < e1; e += L) {
            momentumStep(p, g, v, lr, mu, decay, nesterov, e, e1);
        }
    }

    /**
     * One vector at e, masked to [e, e1). The mask is made here, not passed in: a vector or mask handed
     * to a method C2 does not inline is boxed (passing it made this kernel allocate 768 KiB per call).
     */
    private static void momentumStep(float[] p, float[] g, float[] v, float lr, float mu, float decay,
                                     boolean nesterov, int e, int e1) {
        VectorMask<Float> m = F.indexInRange(e, e1);
        FloatVector pv = FloatVector.fromArray(F, p, e, m);
        FloatVector gv = FloatVector.fromArray(F, g, e, m).add(pv.mul(decay));
        FloatVector vv = FloatVector.fromArray(F, v, e, m).mul(mu).add(gv);
        vv.intoArray(v, e, m);
        FloatVector step = nesterov ? gv.add(vv.mul(mu)) : vv;
        pv.sub(step.mul(lr)).intoArray(p, e, m);
    }

    /**
     * Adam at step t with bias corrections bc1 = 1 − β1^t, bc2 = 1 − β2^t; AdamW when decoupled (the decay
     * term uses θ before the step).
     */
    static void adam(float[] p, float[] g, float[] mArr, float[] vArr, float lr, float beta1, float beta2,
                     float eps, float decay, boolean decoupled, float bc1, float bc2, int e0, int e1) {
        // m̂ = m·(1/bc1) and v̂ = v·(1/bc2): one division per element instead of three (a vector division costs
        // about as much as the rest of the step); m̂ and v̂ then differ from the reference's m/bc1 by an ulp.
        float rbc1 = 1f / bc1, rbc2 = 1f / bc2;
        for (int e = e0; e < e1; e += L) {
            adamStep(p, g, mArr, vArr, lr, beta1, beta2, eps, decay, decoupled, rbc1, rbc2, e, e1);
        }
    }

    /** One vector at e, masked to [e, e1) (the mask made here, as in {@link #momentumStep}). */
    private static void adamStep(float[] p, float[] g, float[] mArr, float[] vArr, float lr, float beta1,
                                 float beta2, float eps, float decay, boolean decoupled, float rbc1, float rbc2,
                                 int e, int e1) {
        VectorMask<Float> m = F.indexInRange(e, e1);
        FloatVector pv = FloatVector.fromArray(F, p, e, m);
        FloatVector gv = FloatVector.fromArray(F, g, e, m);
        if (!decoupled) {
            gv = gv.add(pv.mul(decay));
        }
        FloatVector mv = FloatVector.fromArray(F, mArr, e, m).mul(beta1).add(gv.mul(1 - beta1));
        FloatVector vv = FloatVector.fromArray(F, vArr, e, m).mul(beta2).add(gv.mul(1 - beta2).mul(gv));
        mv.intoArray(mArr, e, m);
        vv.intoArray(vArr, e, m);
        FloatVector mHat = mv.mul(rbc1), vHat = vv.mul(rbc2);
        FloatVector step = mHat.div(vHat.lanewise(VectorOperators.SQRT).add(eps));
        if (decoupled) {
            step = step.add(pv.mul(decay));
        }
        pv.sub(step.mul(lr)).intoArray(p, e, m);
    }
}
