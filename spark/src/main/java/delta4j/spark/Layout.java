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
    private transient int[] counts;

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

    /** Training samples per partition (counted once: {@link #balanced} asks every epoch). */
    int[] trainCounts() {
        if (counts == null) {
            int[] c = new int[partitions()];
            for (int g : trainIndex()) {
                c[owner(g)]++;
            }
            counts = c;
        }
        return counts.clone();
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
     * of the rows. Each partition's samples keep their order in {@code order}; which partition gives the next position
     * is Tijdeman's chairman assignment over the partitions that hold training samples ({@link ChairAssignment}): with
     * P of them, c_p of the n samples in partition p, every prefix of t positions holds within 1 − 1/(2P − 2) of
     * t·c_p/n samples of partition p, so a global batch of w rows holds less than 2 rows more or fewer than w·c_p/n of
     * them (with 2 partitions exactly ⌊w·c_p/n⌋ or ⌈w·c_p/n⌉; equal partitions alternate), instead of a hypergeometric
     * draw, and no task of a {@code sync} step waits for one that drew more rows. A function of the order and the
     * partitions' counts alone, as every task computes it; with one partition it is {@code order}.
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
        ChairAssignment chairs = new ChairAssignment(count);
        int[] out = new int[order.length];
        for (int i = 0; i < out.length; i++) {
            int p = chairs.next(i + 1);
            out[i] = bySource[first[p] + chairs.taken(p) - 1];
        }
        return out;
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
