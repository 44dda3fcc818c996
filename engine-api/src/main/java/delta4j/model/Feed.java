package delta4j.model;

import delta4j.data.BatchSource;
import delta4j.data.Dataset;
import delta4j.data.FiniteValues;
import delta4j.data.InMemorySamples;
import delta4j.data.Samples;
import delta4j.data.Standardizer;

import java.util.Iterator;
import java.util.SplittableRandom;

/**
 * Where a training run's mini-batches come from, as the network sees them (standardised where the model
 * standardises): {@link Indexed} gathers them by index from {@link Samples}, shuffled per epoch; {@link Streamed}
 * copies them from a {@link BatchSource}'s passes. The trainer's loop is the same for both.
 */
abstract sealed class Feed {

    /** One pass over the data. */
    abstract static class Pass implements AutoCloseable {
        /** Loads the next batch into a work-tensor set of {@code net} (host side, not uploaded) and returns it, or null when the pass is over. */
        abstract Network.Workspace next(Network net);

        /**
         * Loads the next batch into a work-tensor set of {@code net} and uploads it, features and targets, or returns null
         * when the pass is over. By default {@link #next} then {@link Network#upload}; a pass over an in-memory data set
         * gathers the rows straight into the engine's tensors (one copy instead of two, and the host arrays untouched).
         */
        Network.Workspace nextUploaded(Network net) {
            Network.Workspace ws = next(net);
            if (ws != null) {
                net.upload(ws, true);
            }
            return ws;
        }

        @Override
        public void close() {
        }
    }

    /**
     * A pass: the training order of {@code epoch} when {@code training} (shuffled when the configuration says so), else
     * the data in order (validation, full gradient, diagnostics).
     */
    abstract Pass pass(int epoch, boolean training);

    /** Samples per pass, or −1 when only a pass can tell (a batch source). */
    abstract long size();

    /** Batches per pass, or 0 when only a pass can tell. */
    abstract int batches();

    /** Random-access samples, shuffled per epoch from (seed, epoch). */
    static final class Indexed extends Feed {
        private final Samples data;
        private final int batch;
        private final boolean shuffle;
        private final long seed;
        private final Standardizer features;
        private final Standardizer targets;
        private final int[] order;

        /**
         * @param data     the samples; an in-memory {@link Dataset} is standardised once by copying, any other set batch
         *                 by batch as it is gathered, to the same bits; {@link InMemorySamples} left unstandardised
         *                 are gathered straight into the engine's tensors (the fast path)
         * @param features the input standardiser, or null
         * @param targets  the target standardiser, or null
         */
        Indexed(Samples data, int batch, boolean shuffle, long seed, Standardizer features, Standardizer targets) {
            if (data instanceof Dataset d) {
                d = features == null ? d : features.apply(d);
                d = targets == null ? d : targets.applyToTargets(d);
                this.data = d;
                this.features = null;
                this.targets = null;
            } else {
                this.data = data;
                this.features = features;
                this.targets = targets;
            }
            this.batch = Math.min(batch, data.size());
            this.shuffle = shuffle;
            this.seed = seed;
            this.order = new int[data.size()];
        }

        @Override
        long size() {
            return data.size();
        }

        @Override
        int batches() {
            return (data.size() + batch - 1) / batch;
        }

        int batchSize() {
            return batch;
        }

        @Override
        Pass pass(int epoch, boolean training) {
            int[] o = null;
            if (training) {
                for (int i = 0; i < order.length; i++) {
                    order[i] = i;
                }
                if (shuffle) {
                    Dataset.shuffle(order, new SplittableRandom(Trainer.epochSeed(seed, epoch)));
                }
                o = order;
            }
            int[] at = o;
            return new Pass() {
                int from;

                /** The work tensors for the batch that starts at {@code from}, or null when the pass is over. */
                private Network.Workspace batchAt(Network net) {
                    return from >= data.size() ? null : net.workspace(Math.min(batch, data.size() - from));
                }

                @Override
                Network.Workspace next(Network net) {
                    Network.Workspace ws = batchAt(net);
                    if (ws == null) {
                        return null;
                    }
                    int rows = ws.rows();
                    data.gatherFeatures(at, from, rows, ws.hostInput());
                    data.gatherTargets(at, from, rows, ws.hostTarget());
                    if (features != null) {
                        features.applyInPlace(ws.hostInput(), ws.hostInput().length);
                    }
                    if (targets != null) {
                        targets.applyToTargetsInPlace(ws.hostTarget(), ws.hostTarget().length);
                    }
                    from += rows;
                    return ws;
                }

                @Override
                Network.Workspace nextUploaded(Network net) {
                    // A float data set was standardised by the constructor; one of bytes that needs standardising is not
                    // gathered straight into the engine.
                    if (!(data instanceof InMemorySamples d) || features != null || targets != null) {
                        return super.nextUploaded(net);
                    }
                    Network.Workspace ws = batchAt(net);
                    if (ws != null) {
                        net.uploadRows(d, at, from, ws);
                        from += ws.rows();
                    }
                    return ws;
                }
            };
        }
    }

    /** Batches from a {@link BatchSource}, checked (shape, finite values) and standardised as they are copied in. */
    static final class Streamed extends Feed {
        private final BatchSource source;
        private final String what;
        private final Standardizer features;
        private final Standardizer targets;
        private final TargetCheck check;

        /**
         * @param what  "training" or "validation", for messages
         * @param check what the loss needs of the targets, checked batch by batch as the indexed path checks the whole
         *              set ahead
         */
        Streamed(BatchSource source, String what, Standardizer features, Standardizer targets, TargetCheck check) {
            this.source = source;
            this.what = what;
            this.features = features;
            this.targets = targets;
            this.check = check;
        }

        @Override
        long size() {
            return -1;
        }

        @Override
        int batches() {
            return 0;
        }

        @Override
        Pass pass(int epoch, boolean training) {
            Iterator<BatchSource.Batch> it = source.batches(epoch);
            if (it == null) {
                throw new IllegalStateException("the " + what + " batch source gave no iterator for epoch " + epoch + " (batches returned null)");
            }
            int f = source.features(), k = source.targets();
            return new Pass() {
                int index;

                @Override
                Network.Workspace next(Network net) {
                    if (!it.hasNext()) {
                        return null;
                    }
                    BatchSource.Batch b = it.next();
                    index++;
                    int rows = b.rows();
                    if (b.features().length < rows * f || b.targets().length < rows * k) {
                        throw new IllegalArgumentException("batch " + index + " of the " + what + " source in epoch " + epoch + " holds "
                                + b.features().length + " feature and " + b.targets().length + " target values for " + rows + " rows of "
                                + f + " features and " + k + " targets");
                    }
                    Network.Workspace ws = net.workspace(rows);
                    copyFinite(b.features(), ws.hostInput(), rows * f, f, "feature", index, epoch);
                    copyFinite(b.targets(), ws.hostTarget(), rows * k, k, "target", index, epoch);
                    switch (check) {
                        case NONE -> { }
                        case DISTRIBUTIONS -> checkDistributions(ws.hostTarget(), rows, k, index, epoch);
                        case PROBABILITIES -> checkProbabilities(ws.hostTarget(), rows * k, k, index, epoch);
                    }
                    if (features != null) {
                        features.applyInPlace(ws.hostInput(), ws.hostInput().length);
                    }
                    if (targets != null) {
                        targets.applyToTargetsInPlace(ws.hostTarget(), ws.hostTarget().length);
                    }
                    return ws;
                }

                @Override
                public void close() {
                    if (it instanceof AutoCloseable c) {
                        try {
                            c.close();
                        } catch (Exception e) {
                            throw new IllegalStateException("closing the " + what + " batch source's pass of epoch " + epoch + " failed: "
                                    + e.getMessage(), e);
                        }
                    }
                }
            };
        }

        private void checkDistributions(float[] t, int rows, int k, int batch, int epoch) {
            for (int r = 0; r < rows; r++) {
                double sum = 0;
                for (int j = r * k; j < (r + 1) * k; j++) {
                    sum += t[j];
                }
                if (!(Math.abs(sum - 1) <= Trainer.TARGET_SUM_TOLERANCE)) {
                    throw new IllegalArgumentException("row " + r + " of batch " + batch + " of the " + what + " source in epoch " + epoch
                            + " has targets summing to " + (float) sum + ", but softmax + cross-entropy needs every target row to sum to 1"
                            + " (tolerance " + Trainer.TARGET_SUM_TOLERANCE + "): give one-hot or probability targets, or use the mse loss");
                }
            }
        }

        private void checkProbabilities(float[] t, int length, int k, int batch, int epoch) {
            for (int i = 0; i < length; i++) {
                if (!(t[i] >= 0f && t[i] <= 1f)) {
                    throw new IllegalArgumentException("target value " + t[i] + " at row " + i / k + ", column " + i % k + " of batch " + batch
                            + " of the " + what + " source in epoch " + epoch + " is outside [0, 1], but " + TargetCheck.PROBABILITY_ADVICE);
                }
            }
        }

        private void copyFinite(float[] src, float[] dst, int length, int cols, String kind, int batch, int epoch) {
            int i = FiniteValues.firstNonFinite(src, 0, length);
            if (i >= 0) {
                throw new IllegalArgumentException(kind + " value " + src[i] + " at row " + i / cols + ", column " + i % cols + " of batch " + batch
                        + " of the " + what + " source in epoch " + epoch + " is not finite: remove or impute NaN and infinite values");
            }
            System.arraycopy(src, 0, dst, 0, length);
        }
    }
}
