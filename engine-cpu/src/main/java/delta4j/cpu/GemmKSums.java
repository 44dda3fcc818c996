package delta4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The split by k of {@link Gemm}: thread p &gt; 0 computes the sums of k block p into a scratch matrix of its own, and
 * afterwards C ← ((C + S₁) + S₂) … , each element rounded once per block as one thread's loop nest rounds it with α = 1
 * (every tile's store then computes C + acc for a later k block), so the bits do not depend on the thread count.
 * The addition is a job of its own, split by rows.
 */
final class GemmKSums extends WorkerPool.Job {

    /** The most floats of scratch per thread (4 MiB): larger products take the other schedules. */
    static final long MAX_SCRATCH = 1 << 20;

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;

    /** scratch[p] for part p ≥ 1, grown on demand and reused. */
    private final float[][] scratch;
    private float[] c;
    private int size, blocks;

    GemmKSums(int threads) {
        scratch = new float[threads][];
    }

    /** Part {@code part}'s scratch of at least {@code size} floats (called by that part's thread, once a product). */
    float[] scratch(int part, int size) {
        float[] s = scratch[part];
        if (s == null || s.length < size) {
            s = scratch[part] = new float[size];
        }
        return s;
    }

    /** Adds the scratch sums of parts 1 .. threads − 1 onto the first {@code size} floats of c, in part order. */
    void addOnto(WorkerPool pool, float[] c, int size) {
        this.c = c;
        this.size = size;
        this.blocks = pool.threads();
        try {
            pool.run(this, pool.threads());
        } finally {
            this.c = null;
        }
    }

    @Override
    void run(int part, int parts) {
        int e0 = ElementwiseJobs.split(size, part, parts, L), e1 = ElementwiseJobs.split(size, part + 1, parts, L);
        float[] c = this.c;
        for (int p = 1; p < blocks; p++) {
            float[] s = scratch[p];
            int e = e0;
            for (int bound = e0 + F.loopBound(e1 - e0); e < bound; e += L) {
                FloatVector.fromArray(F, c, e).add(FloatVector.fromArray(F, s, e)).intoArray(c, e);
            }
            for (; e < e1; e++) {
                c[e] += s[e];
            }
        }
    }
}
