package delta4j.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * N samples with random access by index, each a row of float features and a row of float targets: what
 * {@link delta4j.model.Trainer} reads its mini-batches from. The in-memory {@link Dataset} is one, a
 * {@link MappedDataset} (a binary data file mapped into memory, larger than the heap if need be) another; the
 * trainer treats both alike and, for the same values, trains to the same weights bit for bit.
 *
 * <p>Every value is finite: an implementation checks that when it is made ({@link Dataset}) or verified
 * ({@link MappedDataset#open}). Reading is thread-safe: gathering never changes a sample set.
 *
 * <p>For data that arrives in batches rather than by index (a database cursor, a stream, a generator), see
 * {@link BatchSource}.
 */
public interface Samples {

    /** {@return the number of samples N (at most 2³¹ − 1; the values themselves may exceed 2³¹ floats)} */
    int size();

    /** {@return the number of features per sample} */
    int features();

    /** {@return the number of targets per sample} */
    int targets();

    /**
     * Copies the features of samples {@code order[from..from+count)} (of samples {@code from..from+count)} when
     * {@code order} is null) into {@code dst}, row after row: the mini-batch gather. Allocates nothing.
     *
     * @param order sample indices, or null for the identity order
     * @param from  the first position of {@code order} (or the first sample) to gather
     * @param count the number of samples to gather
     * @param dst   receives {@code count × features()} floats from index 0, row-major
     */
    void gatherFeatures(int[] order, int from, int count, float[] dst);

    /**
     * Like {@link #gatherFeatures} for targets.
     *
     * @param order sample indices, or null for the identity order
     * @param from  the first position of {@code order} (or the first sample) to gather
     * @param count the number of samples to gather
     * @param dst   receives {@code count × targets()} floats from index 0, row-major
     */
    void gatherTargets(int[] order, int from, int count, float[] dst);

    /**
     * The samples at the given indices, in that order. The default is a view that gathers through the indices
     * (nothing is copied but the index array); {@link Dataset} copies.
     *
     * @param indices sample indices in [0, N), repeats allowed, at least one
     * @return the samples at those indices
     */
    default Samples subset(int[] indices) {
        return new SampleSubset(this, indices);
    }

    /**
     * {@return Σ_k t_ik of sample i's targets, summed in double}
     *
     * @param i the sample, in [0, N)
     */
    default double targetRowSum(int i) {
        float[] row = new float[targets()];
        gatherTargets(new int[] {i}, 0, 1, row);
        double sum = 0;
        for (float v : row) {
            sum += v;
        }
        return sum;
    }

    /**
     * The first sample whose targets do not sum to 1 within {@code tolerance}, or −1 when every row does. Softmax +
     * cross-entropy needs such rows: its output δ = p − t is the gradient of −Σ_k t_k log p_k only when Σ_k t_k = 1.
     * The default reads the targets in chunks, in one pass.
     *
     * @param tolerance how far a row's sum may stray from 1
     * @return the first such sample, or −1
     */
    default int firstTargetRowNotSummingToOne(double tolerance) {
        int k = targets(), n = size(), chunk = chunkRows(k);
        float[] t = new float[chunk * k];
        for (int from = 0; from < n; from += chunk) {
            int rows = Math.min(chunk, n - from);
            gatherTargets(null, from, rows, t);
            for (int r = 0; r < rows; r++) {
                double sum = 0;
                for (int j = r * k, end = j + k; j < end; j++) {
                    sum += t[j];
                }
                if (!(Math.abs(sum - 1) <= tolerance)) {
                    return from + r;
                }
            }
        }
        return -1;
    }

    /**
     * The first target value outside {@code [lo, hi]}, as its flat row-major index (sample × targets + column), or −1
     * when every target lies inside. Binary cross-entropy needs targets in [0, 1]. The default reads the targets in
     * chunks, in one pass.
     *
     * @param lo the smallest allowed value
     * @param hi the largest allowed value
     * @return the first such value's flat index, or −1
     */
    default long firstTargetOutside(float lo, float hi) {
        int k = targets(), n = size(), chunk = chunkRows(k);
        float[] t = new float[chunk * k];
        for (int from = 0; from < n; from += chunk) {
            int rows = Math.min(chunk, n - from);
            gatherTargets(null, from, rows, t);
            for (int j = 0, end = rows * k; j < end; j++) {
                if (!(t[j] >= lo && t[j] <= hi)) {
                    return (long) from * k + j;
                }
            }
        }
        return -1;
    }

    /**
     * {@return all targets, row-major (N × targets floats: meant for a validation or test part, not for a data set
     * larger than the heap)}
     */
    default float[] targetMatrix() {
        float[] t = new float[Math.multiplyExact(size(), targets())];
        gatherTargets(null, 0, size(), t);
        return t;
    }

    /**
     * {@return how many rows a pass that streams over samples of {@code cols} values reads at once: about 1 MiB of
     * floats, so streaming passes take constant memory whatever N is}
     *
     * @param cols the values per row
     */
    static int chunkRows(int cols) {
        return Math.max(1, (1 << 18) / Math.max(1, cols));
    }

    /**
     * The indices of a seeded split: a uniformly random permutation of 0..size−1 (Fisher–Yates with
     * {@code new SplittableRandom(seed)}) whose first {@code round(size · validationFraction)} entries (at least one,
     * and at least one left for training) are the validation part and the rest, in permutation order, the training part.
     *
     * @param train      the training part's indices
     * @param validation the validation part's indices
     */
    record Partition(int[] train, int[] validation) {
    }

    /**
     * {@return the seeded split of {@code size} samples that {@link Dataset#split} and the trainer's validation fraction use}
     *
     * @param size               the number of samples, at least 2
     * @param validationFraction the part held out, strictly between 0 and 1
     * @param seed               the seed of the permutation
     * @throws IllegalArgumentException for a fraction outside (0, 1) or fewer than 2 samples
     */
    static Partition partition(int size, double validationFraction, long seed) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must lie strictly between 0 and 1, got " + validationFraction);
        }
        if (size < 2) {
            throw new IllegalArgumentException("cannot split a dataset of " + size + " sample into training and validation parts");
        }
        int[] order = Dataset.permutation(size, new SplittableRandom(seed));
        int nVal = (int) Math.max(1, Math.min(size - 1, Math.round(size * validationFraction)));
        return new Partition(Arrays.copyOfRange(order, nVal, size), Arrays.copyOfRange(order, 0, nVal));
    }
}
