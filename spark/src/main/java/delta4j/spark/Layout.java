package delta4j.spark;

import delta4j.data.Dataset;

import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Where every sample of a fit lives: partition p holds global samples {@code start[p] .. start[p+1])} in
 * order, so the DataFrame read partition after partition is the data set single-process training sees.
 * The validation split is {@link Dataset#split}'s (the same seeded permutation, the same count), so training
 * position j is global sample {@code trainIndex()[j]} here exactly as it is there. Only the counts travel;
 * each task derives the rest.
 */
final class Layout implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int[] start;
    private final double validationFraction;
    private final long seed;
    private transient int[] train;
    private transient int[] validation;

    Layout(int[] counts, double validationFraction, long seed) {
        this.start = new int[counts.length + 1];
        for (int p = 0; p < counts.length; p++) {
            start[p + 1] = Math.addExact(start[p], counts[p]);
        }
        this.validationFraction = validationFraction;
        this.seed = seed;
        if (total() == 0) {
            throw new IllegalArgumentException("the DataFrame has no rows: give at least one sample");
        }
        if (validationFraction > 0 && total() < 2) {
            throw new IllegalArgumentException("cannot hold out a validation fraction of " + validationFraction + " from 1 row");
        }
    }

    int partitions() {
        return start.length - 1;
    }

    int total() {
        return start[start.length - 1];
    }

    int start(int p) {
        return start[p];
    }

    boolean owns(int p, int global) {
        return global >= start[p] && global < start[p + 1];
    }

    private void split() {
        if (train != null) {
            return;
        }
        int n = total();
        if (validationFraction > 0) {
            int[] order = Dataset.permutation(n, new SplittableRandom(seed));
            int nVal = (int) Math.max(1, Math.min(n - 1, Math.round(n * validationFraction)));
            validation = Arrays.copyOfRange(order, 0, nVal);
            train = Arrays.copyOfRange(order, nVal, n);
        } else {
            validation = new int[0];
            train = new int[n];
            for (int i = 0; i < n; i++) {
                train[i] = i;
            }
        }
    }

    /** Global sample of each training position. */
    int[] trainIndex() {
        split();
        return train;
    }

    int trainSize() {
        return trainIndex().length;
    }

    int validationSize() {
        split();
        return validation.length;
    }

    /** Rows of partition p's shard that are training samples, in training-position order. */
    int[] localTrainRows(int p) {
        return local(p, trainIndex());
    }

    /** Rows of partition p's shard that are validation samples. */
    int[] localValidationRows(int p) {
        split();
        return local(p, validation);
    }

    /** Training samples per partition. */
    int[] trainCounts() {
        int[] c = new int[partitions()];
        for (int g : trainIndex()) {
            c[owner(g)]++;
        }
        return c;
    }

    /** The partition that holds global sample {@code global}. */
    int owner(int global) {
        int p = Arrays.binarySearch(start, global);
        // start[] may repeat (empty partitions): the owner is the last partition starting at or before it.
        p = p >= 0 ? p : -p - 2;
        while (p + 1 < start.length - 1 && start[p + 1] <= global) {
            p++;
        }
        return p;
    }

    /**
     * An epoch's order of training positions rearranged so that every stretch of it takes from each partition its share
     * of the rows. Each partition's samples keep their order in {@code order}; which partition gives the next one
     * follows Tijdeman's solution of the chairman assignment problem: with P partitions that hold training samples,
     * c_p of the n in partition p, and σ = 1/(2P − 2), the next position goes to the partition with the earliest
     * deadline (k_p + 1 − σ)·n/c_p among those whose lag t·c_p/n − k_p is at least σ (t positions placed, k_p of them
     * from p). Every prefix then holds within 1 − σ of t·c_p/n samples of partition p, so a global batch of w rows holds
     * less than 2 rows more or fewer than w·c_p/n of them (with 2 partitions exactly ⌊w·c_p/n⌋ or ⌈w·c_p/n⌉; equal
     * partitions alternate), instead of a hypergeometric draw, and no task of a {@code sync} step waits for one that
     * drew more rows. A function of the order and the partitions' counts alone, as every task computes it; with one
     * partition it is {@code order}.
     *
     * @param order a permutation of the training positions 0 .. trainSize() − 1
     */
    int[] balanced(int[] order) {
        int[] train = trainIndex();
        int parts = partitions();
        int[] count = trainCounts();
        int[] first = new int[parts + 1]; // partition p's samples at first[p] .. first[p+1] of bySource
        int sources = 0;
        for (int p = 0; p < parts; p++) {
            first[p + 1] = first[p] + count[p];
            sources += count[p] > 0 ? 1 : 0;
        }
        if (sources <= 1) {
            return order.clone();
        }
        int[] bySource = new int[order.length];
        int[] fill = Arrays.copyOf(first, parts);
        for (int j : order) {
            bySource[fill[owner(train[j])]++] = j;
        }
        Chairs chairs = new Chairs(count, order.length, 2L * (sources - 1));
        int[] out = new int[order.length];
        for (int i = 0; i < out.length; i++) {
            int p = chairs.next(i + 1);
            out[i] = bySource[first[p] + chairs.taken[p] - 1];
        }
        return out;
    }

    /**
     * Tijdeman's chairman assignment over the partitions, in integers: with D = 1/σ = 2P − 2, partition p may take
     * position t once D·t·c_p ≥ (D·k_p + 1)·n, and among those the smallest (D·(k_p + 1) − 1)/c_p goes first (ties to
     * the lower partition). Two heaps: the partitions waiting for their lag, by the position from which they may
     * take, and the ready ones, by deadline.
     */
    private static final class Chairs {
        final int[] count;
        final int[] taken;
        final long n, d;
        final int[] waiting, ready;
        int waitingSize, readySize;

        Chairs(int[] count, int n, long d) {
            this.count = count;
            this.taken = new int[count.length];
            this.n = n;
            this.d = d;
            this.waiting = new int[count.length];
            this.ready = new int[count.length];
            for (int p = 0; p < count.length; p++) {
                if (count[p] > 0) {
                    waiting[waitingSize] = p;
                    up(waiting, waitingSize++, false);
                }
            }
        }

        /** The partition that gives position t (1-based); counts it as taken. */
        int next(long t) {
            while (waitingSize > 0 && mayTake(waiting[0], t)) {
                int p = pop(waiting, --waitingSize, false);
                ready[readySize] = p;
                up(ready, readySize++, true);
            }
            // Tijdeman's theorem keeps a partition ready at every position; the waiting heap is only a safeguard.
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

    private int[] local(int p, int[] global) {
        int[] out = new int[global.length];
        int m = 0;
        for (int g : global) {
            if (owns(p, g)) {
                out[m++] = g - start[p];
            }
        }
        return Arrays.copyOf(out, m);
    }
}
