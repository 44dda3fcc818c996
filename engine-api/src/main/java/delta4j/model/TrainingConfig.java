package delta4j.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything {@link Trainer} needs besides the model and the data ("how far to walk? when to stop?").
 * Built with {@link #builder()}; every setter checks its value and names it when it is bad.
 */
public final class TrainingConfig {

    final Optimizer optimizer;
    final float weightDecay;
    final LearningRateSchedule schedule;
    final int batchSize;
    final int maxEpochs;
    final double lossTolerance;
    final double gradientTolerance;
    final double validationFraction;
    final int patience;
    final long seed;
    final boolean shuffle;
    final boolean standardize;
    final boolean standardizeTargets;
    final double divergenceBound;
    final List<TrainingListener> listeners;
    final float clipNorm;
    final int checkpointEvery;
    final TrainingState.Sink checkpointSink;
    /** The metric early stopping and best weights follow, or null for the validation loss. */
    final String monitor;
    final Goal goal;
    /** Null: restore the best weights when early stopping is on; else as set. */
    final Boolean restoreBest;

    /** Whether a monitored quantity is better when lower (a loss) or higher (an accuracy). */
    public enum Goal {
        /** Lower is better (a loss, an error rate). */
        MINIMIZE,
        /** Higher is better (accuracy, F1, R²). */
        MAXIMIZE
    }

    private TrainingConfig(Builder b) {
        optimizer = b.optimizer;
        weightDecay = b.weightDecay;
        schedule = b.schedule;
        batchSize = b.batchSize;
        maxEpochs = b.maxEpochs;
        lossTolerance = b.lossTolerance;
        gradientTolerance = b.gradientTolerance;
        validationFraction = b.validationFraction;
        patience = b.patience;
        seed = b.seed;
        shuffle = b.shuffle;
        standardize = b.standardize;
        standardizeTargets = b.standardizeTargets;
        divergenceBound = b.divergenceBound;
        listeners = List.copyOf(b.listeners);
        clipNorm = b.clipNorm;
        checkpointEvery = b.checkpointEvery;
        checkpointSink = b.checkpointSink;
        monitor = b.monitor;
        goal = b.goal;
        restoreBest = b.restoreBest;
    }

    /** Whether the best epoch by the monitored quantity is tracked: for early stopping, or to restore its weights. */
    boolean tracksBest() {
        return patience > 0 || keepsBest();
    }

    /** Whether the model ends with the best epoch's weights (snapshots are kept on the engine). */
    boolean keepsBest() {
        return restoreBest == null ? patience > 0 : restoreBest;
    }

    /** The monitored quantity in words, for messages. */
    String monitorName() {
        return monitor == null ? "validation loss" : "metric '" + monitor + "'";
    }

    /** {@return a builder with the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the optimizer, with its base learning rate} */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** {@return the mini-batch size} */
    public int batchSize() {
        return batchSize;
    }

    /** {@return the largest number of epochs a run trains} */
    public int maxEpochs() {
        return maxEpochs;
    }

    /** {@return the seed of shuffling and of the validation split} */
    public long seed() {
        return seed;
    }

    /**
     * Builder with defaults: Adam(1e-3), no decay, constant rate, batch 32, 100 epochs, seed 42, shuffling on,
     * regression targets standardised.
     */
    public static final class Builder {
        private Optimizer optimizer = Optimizer.adam(1e-3f);
        private float weightDecay;
        private LearningRateSchedule schedule = LearningRateSchedule.constant();
        private int batchSize = 32;
        private int maxEpochs = 100;
        private double lossTolerance;
        private double gradientTolerance;
        private double validationFraction;
        private int patience;
        private long seed = 42;
        private boolean shuffle = true;
        private boolean standardize;
        private boolean standardizeTargets = true;
        private double divergenceBound = 1e12;
        private final List<TrainingListener> listeners = new ArrayList<>();
        private float clipNorm;
        private int checkpointEvery;
        private TrainingState.Sink checkpointSink;
        private String monitor;
        private Goal goal = Goal.MINIMIZE;
        private Boolean restoreBest;

        /**
         * What early stopping ({@link #patience}) and the best weights ({@link #restoreBestWeights}) follow: by default the
         * validation loss, minimised; with this, a metric that a listener reports every epoch
         * ({@link EpochContext#metric(String, double)}), e.g. {@code monitor("accuracy", Goal.MAXIMIZE)}. An epoch is
         * better when its value is strictly better than the best so far (NaN never is). A monitored metric needs no
         * validation set (the listener may score any data); training fails with {@link IllegalStateException} after an
         * epoch in which no listener reported it.
         *
         * @param metric the metric's name, as a listener reports it
         * @param goal   whether lower or higher is better
         * @return this builder
         */
        public Builder monitor(String metric, Goal goal) {
            if (metric == null || metric.isBlank()) {
                throw new IllegalArgumentException("give the name of the metric to monitor, as a listener reports it");
            }
            this.monitor = metric;
            this.goal = java.util.Objects.requireNonNull(goal, "goal");
            return this;
        }

        /**
         * Which weights the model keeps when training ends, whatever ended it (early stopping, the epoch limit, a
         * listener's stop or failure): on, the weights of the best epoch by the monitored quantity (see
         * {@link #monitor}; kept as snapshots on the engine, one copy of the parameters); off, the last epoch's. By
         * default on exactly when early stopping is ({@link #patience} &gt; 0). On without patience needs a validation
         * set or a monitored metric.
         *
         * @param on whether to end with the best epoch's weights
         * @return this builder
         */
        public Builder restoreBestWeights(boolean on) {
            this.restoreBest = on;
            return this;
        }

        /** A builder with the defaults above; {@link TrainingConfig#builder()} says the same. */
        public Builder() {
        }

        /**
         * Gradient-norm clipping: when ‖∇E‖ of a batch (all layers together) exceeds {@code maxNorm}, the
         * gradients are scaled down to that norm before the step (0: off; costs a sync per step).
         *
         * @param maxNorm the largest L2 norm of a batch's gradient, finite and ≥ 0; 0 turns clipping off
         * @return this builder
         * @throws IllegalArgumentException if {@code maxNorm} is negative, NaN or infinite
         */
        public Builder clipGradientNorm(float maxNorm) {
            if (!(maxNorm >= 0) || !Float.isFinite(maxNorm)) {
                throw new IllegalArgumentException("gradient clipping norm must be finite and ≥ 0, got " + maxNorm);
            }
            this.clipNorm = maxNorm;
            return this;
        }

        /**
         * Hands a {@link TrainingState} to {@code sink} after every {@code epochs} epochs and at the end.
         *
         * @param epochs the interval in epochs, positive
         * @param sink receives each checkpoint, on the training thread
         * @return this builder
         * @throws IllegalArgumentException if {@code epochs} is not positive
         * @throws NullPointerException if {@code sink} is null
         */
        public Builder checkpointEvery(int epochs, TrainingState.Sink sink) {
            if (epochs <= 0) {
                throw new IllegalArgumentException("checkpoint interval must be positive, got " + epochs);
            }
            this.checkpointEvery = epochs;
            this.checkpointSink = java.util.Objects.requireNonNull(sink, "sink");
            return this;
        }

        /**
         * Sets the optimizer and its base learning rate (default Adam, η = 1e-3).
         *
         * @param o the optimizer
         * @return this builder
         * @throws NullPointerException if {@code o} is null
         */
        public Builder optimizer(Optimizer o) {
            this.optimizer = java.util.Objects.requireNonNull(o, "optimizer");
            return this;
        }

        /**
         * Shorthand for {@code optimizer(Optimizer.sgd(lr))}: plain SGD, the lecture's θ ← θ − η∇E, with learning
         * rate η. It replaces the optimizer set so far (the default Adam included); to change another optimizer's
         * rate, pass {@code optimizer(Optimizer.adam(lr))} or {@code optimizer(o.withLearningRate(lr))}.
         *
         * @param lr the learning rate η, positive and finite
         * @return this builder
         * @throws IllegalArgumentException if {@code lr} is not positive and finite
         */
        public Builder learningRate(float lr) {
            this.optimizer = Optimizer.sgd(lr);
            return this;
        }

        /**
         * L2 weight decay λ on the weights (biases are not decayed). AdamW applies it decoupled.
         *
         * @param lambda the decay coefficient λ, finite and ≥ 0 (default 0)
         * @return this builder
         * @throws IllegalArgumentException if {@code lambda} is negative, NaN or infinite
         */
        public Builder weightDecay(float lambda) {
            if (!(lambda >= 0) || !Float.isFinite(lambda)) {
                throw new IllegalArgumentException("weight decay must be finite and ≥ 0, got " + lambda);
            }
            this.weightDecay = lambda;
            return this;
        }

        /**
         * Sets how the learning rate changes with the epoch (default constant).
         *
         * @param s the schedule
         * @return this builder
         * @throws NullPointerException if {@code s} is null
         */
        public Builder schedule(LearningRateSchedule s) {
            this.schedule = java.util.Objects.requireNonNull(s, "schedule");
            return this;
        }

        /**
         * Sets the mini-batch size (default 32); the last batch of an epoch may be smaller. Use the data set size
         * for full-batch descent.
         *
         * @param n samples per batch, positive
         * @return this builder
         * @throws IllegalArgumentException if {@code n} is not positive
         */
        public Builder batchSize(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("batch size must be positive, got " + n);
            }
            this.batchSize = n;
            return this;
        }

        /**
         * Stop after this many epochs at most (default 100).
         *
         * @param n the largest number of epochs, positive
         * @return this builder
         * @throws IllegalArgumentException if {@code n} is not positive
         */
        public Builder maxEpochs(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("max epochs must be positive, got " + n);
            }
            this.maxEpochs = n;
            return this;
        }

        /**
         * Stop when the training loss changes by less than this between epochs (0: off, the default).
         *
         * @param tol the absolute change of the mean training loss per sample, ≥ 0
         * @return this builder
         * @throws IllegalArgumentException if {@code tol} is negative or NaN
         */
        public Builder lossTolerance(double tol) {
            if (!(tol >= 0)) {
                throw new IllegalArgumentException("loss tolerance must be ≥ 0, got " + tol);
            }
            this.lossTolerance = tol;
            return this;
        }

        /**
         * Stop when ‖∇E‖ over the whole training set falls below this (0: off, the default; costs a pass per epoch).
         *
         * @param tol the L2 norm of the full-batch gradient, ≥ 0
         * @return this builder
         * @throws IllegalArgumentException if {@code tol} is negative or NaN
         */
        public Builder gradientTolerance(double tol) {
            if (!(tol >= 0)) {
                throw new IllegalArgumentException("gradient tolerance must be ≥ 0, got " + tol);
            }
            this.gradientTolerance = tol;
            return this;
        }

        /**
         * Hold out this fraction of the training data for validation when no validation set is given (default 0).
         *
         * @param f the fraction of samples held out, in [0, 1), drawn with the {@link #seed(long) seed}
         * @return this builder
         * @throws IllegalArgumentException if {@code f} is outside [0, 1)
         */
        public Builder validationFraction(double f) {
            if (!(f >= 0 && f < 1)) {
                throw new IllegalArgumentException("validation fraction must lie in [0, 1), got " + f);
            }
            this.validationFraction = f;
            return this;
        }

        /**
         * Early stopping: stop when the validation loss (or the {@link #monitor monitored metric}) has not improved for
         * this many epochs, and restore the best weights (0: off; see {@link #restoreBestWeights}). Needs a validation
         * set or fraction, or a monitored metric.
         *
         * @param epochs the number of epochs without improvement tolerated, ≥ 0
         * @return this builder
         * @throws IllegalArgumentException if {@code epochs} is negative
         */
        public Builder patience(int epochs) {
            if (epochs < 0) {
                throw new IllegalArgumentException("patience must be ≥ 0, got " + epochs);
            }
            this.patience = epochs;
            return this;
        }

        /**
         * Sets the seed of shuffling, of the validation split and of the dropout masks (default 42).
         *
         * @param s the seed; the same seed, data and configuration give the same run
         * @return this builder
         */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /**
         * Reshuffle the training samples every epoch (default on).
         *
         * @param on whether to shuffle
         * @return this builder
         */
        public Builder shuffle(boolean on) {
            this.shuffle = on;
            return this;
        }

        /**
         * Fit a standardizer on the training features and store it in the model (default off).
         *
         * @param on whether to standardise the features
         * @return this builder
         */
        public Builder standardize(boolean on) {
            this.standardize = on;
            return this;
        }

        /**
         * Standardise regression targets (default on): a model that {@link Mlp#canStandardizeTargets() can}
         * (MSE loss, identity output, no class labels) gets a target standardizer fitted on the training part
         * of the data only (never on validation rows), trains on {@code t' = (t − μ)/σ} and predicts in the
         * targets' own units. Other models ignore it. Without it, targets of 1e6 (prices) make the first loss
         * ½t² ≈ 5e11 and training cannot proceed at any sensible learning rate.
         *
         * <p>Losses ({@link EpochReport}, the loss tolerance, the divergence bound, early stopping) are the
         * objective the network minimises, so with standardised targets they are in standardised units:
         * {@code ½ Σ_k ((y_k − t_k)/σ_k)²} per sample, about ½ per output for a model that predicts the mean.
         * Metrics on predictions ({@link delta4j.data.Metrics}) are in the targets' units.
         *
         * <p>Like the input standardizer, it is fitted afresh by every run that does not resume from a
         * checkpoint (a resumed run keeps the checkpoint's); a model that already carries one and is trained
         * with this off keeps using its own, since its weights are in those units.
         *
         * @param on whether to standardise regression targets
         * @return this builder
         */
        public Builder standardizeTargets(boolean on) {
            this.standardizeTargets = on;
            return this;
        }

        /**
         * Sets the divergence bound: a mean training loss above it (or a non-finite one) stops the run with a
         * {@link TrainingDivergedException} (default 1e12).
         *
         * @param bound the largest mean training loss per sample accepted, positive
         * @return this builder
         * @throws IllegalArgumentException if {@code bound} is not positive
         */
        public Builder divergenceBound(double bound) {
            if (!(bound > 0)) {
                throw new IllegalArgumentException("divergence bound must be positive, got " + bound);
            }
            this.divergenceBound = bound;
            return this;
        }

        /**
         * Adds a listener told of every epoch; listeners are called in the order added.
         *
         * @param l the listener
         * @return this builder
         * @throws NullPointerException if {@code l} is null
         */
        public Builder listener(TrainingListener l) {
            listeners.add(java.util.Objects.requireNonNull(l, "listener"));
            return this;
        }

        /** {@return the configuration, with its own copy of the listener list} */
        public TrainingConfig build() {
            return new TrainingConfig(this);
        }
    }
}
