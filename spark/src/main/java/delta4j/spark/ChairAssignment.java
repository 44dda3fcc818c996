package delta4j.spark;

/**
 * Tijdeman's solution of the chairman assignment problem (R. Tijdeman, "The chairman assignment problem", Discrete
 * Mathematics 32, 1980): a sequence over P sources with c_p items each, n in all, in which every prefix of t positions
 * holds within 1 − σ of t·c_p/n items of source p, σ = 1/(2P − 2). At position t the source with the earliest deadline
 * (k_p + 1 − σ)·n/c_p goes first among those whose lag t·c_p/n − k_p is at least σ (k_p: its items placed so far).
 *
 * <p>In integers, with D = 1/σ = 2P − 2: source p may take position t once D·t·c_p ≥ (D·k_p + 1)·n, and among those
 * the smallest (D·(k_p + 1) − 1)/c_p goes first, ties to the lower source. Two heaps: the sources waiting for their
 * lag, by the position from which they may take, and the ready ones, by deadline. Products are compared in 128 bits,
 * so no count overflows them.
 */
final class ChairAssignment {
    private final int[] count;
    private final int[] taken;
    private final long n, d;
    private final int[] waiting, ready;
    private int waitingSize, readySize;

    /** @param count the items of each source, none negative; at least 2 sources not empty */
    ChairAssignment(int[] count) {
        this.count = count;
        this.taken = new int[count.length];
        long total = 0;
        int sources = 0;
        for (int c : count) {
            total += c;
            sources += c > 0 ? 1 : 0;
        }
        if (sources < 2) {
            throw new IllegalArgumentException("a chair assignment needs 2 sources or more, got " + sources);
        }
        this.n = total;
        this.d = 2L * (sources - 1); // before the heap: its order compares through d
        this.waiting = new int[count.length];
        this.ready = new int[count.length];
        for (int p = 0; p < count.length; p++) {
            if (count[p] > 0) {
                waiting[waitingSize] = p;
                up(waiting, waitingSize++, false);
            }
        }
    }

    /** {@return the items of source p placed so far} */
    int taken(int p) {
        return taken[p];
    }

    /** The source that gives position t (1-based, called for t = 1, 2, ... n); counts its item as placed. */
    int next(long t) {
        while (waitingSize > 0 && mayTake(waiting[0], t)) {
            int p = pop(waiting, --waitingSize, false);
            ready[readySize] = p;
            up(ready, readySize++, true);
        }
        // Tijdeman's theorem keeps a source ready at every position; the waiting heap is only a safeguard.
        int p = readySize > 0 ? pop(ready, --readySize, true) : pop(waiting, --waitingSize, false);
        if (++taken[p] < count[p]) {
            waiting[waitingSize] = p;
            up(waiting, waitingSize++, false);
        }
        return p;
    }

    private boolean mayTake(int p, long t) {
        return compare(d * t, count[p], d * taken[p] + 1, n) >= 0;
    }

    /** p before q: by deadline (D·(k + 1) − 1)/c when {@code byDeadline}, else by the start (D·k + 1)/c; ties to the lower. */
    private boolean before(int p, int q, boolean byDeadline) {
        long a = byDeadline ? d * (taken[p] + 1L) - 1 : d * taken[p] + 1;
        long b = byDeadline ? d * (taken[q] + 1L) - 1 : d * taken[q] + 1;
        int c = compare(a, count[q], b, count[p]);
        return c < 0 || c == 0 && p < q;
    }

    /** Sign of a·b − c·e for non-negative a, b, c, e, exact in 128 bits. */
    private static int compare(long a, long b, long c, long e) {
        int high = Long.compare(Math.multiplyHigh(a, b), Math.multiplyHigh(c, e));
        return high != 0 ? high : Long.compareUnsigned(a * b, c * e);
    }

    private void up(int[] heap, int i, boolean byDeadline) {
        while (i > 0 && before(heap[i], heap[(i - 1) / 2], byDeadline)) {
            int parent = (i - 1) / 2, t = heap[i];
            heap[i] = heap[parent];
            heap[parent] = t;
            i = parent;
        }
    }

    /** Removes and returns the heap's first; {@code last} is the index of its last element, moved to the top. */
    private int pop(int[] heap, int last, boolean byDeadline) {
        int top = heap[0];
        heap[0] = heap[last];
        int i = 0;
        while (true) {
            int l = 2 * i + 1, r = l + 1, m = i;
            if (l < last && before(heap[l], heap[m], byDeadline)) {
                m = l;
            }
            if (r < last && before(heap[r], heap[m], byDeadline)) {
                m = r;
            }
            if (m == i) {
                return top;
            }
            int t = heap[i];
            heap[i] = heap[m];
            heap[m] = t;
            i = m;
        }
    }
}
