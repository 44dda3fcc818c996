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
            int p = Arrays.binarySearch(start, g);
            // start[] may repeat (empty partitions): the owner is the last partition starting at or before g.
            p = p >= 0 ? p : -p - 2;
            while (p + 1 < start.length - 1 && start[p + 1] <= g) {
                p++;
            }
            c[p]++;
        }
        return c;
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
