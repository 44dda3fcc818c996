package delta4j.data;

import java.util.Iterator;

/**
 * Training data that arrives in batches rather than by index: rows from a database cursor, a Kafka topic, a file
 * format delta4j does not read, or a generator. {@link delta4j.model.Trainer#fit(delta4j.model.Mlp, BatchSource,
 * BatchSource)} trains on it with the trainer's features: learning-rate schedules, early stopping on a validation
 * source, listeners, checkpoints and resuming.
 *
 * <p>The trainer asks for one pass over the data per epoch, {@link #batches(int) batches(epoch)} for epochs 1, 2,
 * ..., and trains on each batch as it comes (the batch is the mini-batch: {@code TrainingConfig}'s batch size and
 * shuffling do not apply; shuffle in the source when the order should change). A pass with
 * {@code epoch = 0} is asked for before training when standardisers are to be fitted (once for the input
 * standardiser, twice for a regression's target standardiser: its mean, then the spread about it), and validation
 * and full-gradient passes ask again for the current epoch. An iterator that is also {@link AutoCloseable} is
 * closed when its pass ends, also when training fails.
 *
 * <p>Resuming from a checkpoint gives the weights of an uninterrupted run when the source gives the same batches
 * for the same epoch number (a seeded generator, a query ordered by key); a source that cannot replay still trains,
 * but then the weights depend on what it gave.
 */
public interface BatchSource {

    /** {@return the features per sample, the same in every batch} */
    int features();

    /** {@return the targets per sample, the same in every batch} */
    int targets();

    /**
     * One pass over the data: the batches of {@code epoch} (1-based), or of the standardisers' pass when it is 0.
     * A batch's arrays may be reused by the next {@link Iterator#next()}: the trainer copies them before asking again.
     *
     * @param epoch the epoch, 1-based, or 0 for the standardisers' pass
     * @return the pass's batches (closed when the pass ends if it is {@link AutoCloseable})
     */
    Iterator<Batch> batches(int epoch);

    /**
     * One mini-batch: {@code rows} samples, their features and targets row-major.
     *
     * @param rows     number of samples, at least 1
     * @param features rows × features floats (longer arrays are read up to that length)
     * @param targets  rows × targets floats (likewise)
     */
    record Batch(int rows, float[] features, float[] targets) {
        /**
         * Checks the row count and that the arrays are there.
         *
         * @throws IllegalArgumentException for fewer than one row
         */
        public Batch {
            if (rows < 1) {
                throw new IllegalArgumentException("a batch needs at least one row, got " + rows);
            }
            java.util.Objects.requireNonNull(features, "features");
            java.util.Objects.requireNonNull(targets, "targets");
        }

        /**
         * {@return a batch of doubles, converted once (each value rounded to the nearest float)}
         *
         * @param features rows of features, as many as {@code targets}
         * @param targets  rows of targets
         * @throws IllegalArgumentException for no rows, a different number of feature and target rows, ragged rows or a
         *                                  value beyond float's range
         */
        public static Batch of(double[][] features, double[][] targets) {
            if (features.length == 0 || features.length != targets.length) {
                throw new IllegalArgumentException("a batch needs as many target rows as feature rows (at least one), got "
                        + features.length + " and " + targets.length);
            }
            return new Batch(features.length, Dataset.toFloats("feature", features), Dataset.toFloats("target", targets));
        }
    }

    /**
     * The samples of a {@link Samples} in consecutive batches of {@code batchSize}, in order, the same in every pass:
     * for a validation source beside a batch-source training, or to test a source against the random-access path.
     *
     * @param samples   the samples
     * @param batchSize rows per batch (the last batch of a pass may be smaller)
     * @return a source of their batches
     */
    static BatchSource of(Samples samples, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        return new BatchSource() {
            @Override
            public int features() {
                return samples.features();
            }

            @Override
            public int targets() {
                return samples.targets();
            }

            @Override
            public Iterator<Batch> batches(int epoch) {
                return new Iterator<>() {
                    int next;

                    @Override
                    public boolean hasNext() {
                        return next < samples.size();
                    }

                    @Override
                    public Batch next() {
                        if (!hasNext()) {
                            throw new java.util.NoSuchElementException("the pass is over");
                        }
                        int rows = Math.min(batchSize, samples.size() - next);
                        float[] x = new float[rows * samples.features()], t = new float[rows * samples.targets()];
                        samples.gatherFeatures(null, next, rows, x);
                        samples.gatherTargets(null, next, rows, t);
                        next += rows;
                        return new Batch(rows, x, t);
                    }
                };
            }
        };
    }
}
