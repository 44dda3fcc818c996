package delta4j.cpu;

/**
 * The arguments of one {@code C ← α·op(A)·op(B) + β·C} call, as every thread of {@link Gemm} reads them: op(A)
 * m × k, op(B) k × n, C m × n, all row-major and dense (the leading dimension of each is its stored column count).
 * One instance per {@link Gemm}, set at the start of a call and cleared at its end, so a call allocates nothing;
 * the pool's hand-off publishes it to the workers.
 */
final class GemmCall {

    boolean transA, transB;
    int m, n, k;
    float alpha, beta;
    float[] a, b, c;

    void set(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, float[] b, float beta,
             float[] c) {
        this.transA = transA;
        this.transB = transB;
        this.m = m;
        this.n = n;
        this.k = k;
        this.alpha = alpha;
        this.beta = beta;
        this.a = a;
        this.b = b;
        this.c = c;
    }

    /** Drops the caller's arrays, so that an idle engine does not keep them reachable. */
    void clear() {
        a = b = c = null;
    }

    /** {@return the leading dimension of the stored A: its column count} */
    int lda() {
        return transA ? m : k;
    }

    /** {@return the leading dimension of the stored B} */
    int ldb() {
        return transB ? k : n;
    }
}
