package delta4j.model;

import delta4j.data.Samples;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * What a {@link TrainingListener} sees at the end of an epoch ({@link TrainingListener#onEpochEnd}), and how it
 * steers: the epoch's losses, the model as it is now, predictions with it, the validation samples; it may report
 * metrics of its own (accuracy, F1, anything computed on predictions), which go into the epoch's
 * {@link EpochReport#metrics()} and can drive early stopping ({@link TrainingConfig.Builder#monitor}), and it may
 * ask training to stop after this epoch.
 *
 * <pre>{@code
 * .listener(new TrainingListener() {
 *     public void onEpochEnd(EpochContext c) {
 *         c.metric("accuracy", Metrics.accuracy(c.validationPredictions(), c.validationTargets(), 10));
 *         if (c.metric("accuracy") >= 0.9) {
 *             c.stop("validation accuracy reached 90 %");
 *         }
 *     }
 * })
 * }</pre>
 *
 * Valid only during the call it is passed to: afterwards every method throws {@link IllegalStateException}.
 * Predictions run on the training engine, in the training thread, with the weights of this epoch.
 */
public final class EpochContext {

    private final int epoch;
    private final int maxEpochs;
    private final double trainLoss;
    private final double validationLoss;
    private final float learningRate;
    private final Supplier<Mlp> model;
    private final UnaryOperator<float[]> predictor;
    private final Samples validation;
    private final Supplier<float[]> validationPredictions;
    private final Map<String, Double> metrics = new LinkedHashMap<>();
    private Mlp modelNow;
    private float[] validationPredicted;
    private float[] validationTargets;
    private String stopReason;
    private boolean open = true;

    EpochContext(int epoch, int maxEpochs, double trainLoss, double validationLoss, float learningRate, Supplier<Mlp> model,
                 UnaryOperator<float[]> predictor, Samples validation, Supplier<float[]> validationPredictions) {
        this.epoch = epoch;
        this.maxEpochs = maxEpochs;
        this.trainLoss = trainLoss;
        this.validationLoss = validationLoss;
        this.learningRate = learningRate;
        this.model = model;
        this.predictor = predictor;
        this.validation = validation;
        this.validationPredictions = validationPredictions;
    }

    /** {@return the epoch just trained, 1-based} */
    public int epoch() {
        check();
        return epoch;
    }

    /** {@return the configured maximum number of epochs} */
    public int maxEpochs() {
        check();
        return maxEpochs;
    }

    /** {@return the epoch's mean training loss} */
    public double trainLoss() {
        check();
        return trainLoss;
    }

    /** {@return the validation loss after the epoch, or NaN without validation data} */
    public double validationLoss() {
        check();
        return validationLoss;
    }

    /** {@return η used in this epoch} */
    public float learningRate() {
        check();
        return learningRate;
    }

    /**
     * {@return the model with this epoch's weights, and its standardisers and labels: a copy (changing it changes nothing
     * in training), downloaded from the engine once per epoch however many listeners ask} Save it, predict with it on
     * another engine, inspect its weights.
     */
    public Mlp model() {
        check();
        if (modelNow == null) {
            modelNow = model.get();
        }
        return modelNow;
    }

    /**
     * Predicts raw features (N × inputs, row-major; standardised as the model does) with this epoch's weights, on the
     * training engine, as {@link Mlp#predict} does.
     *
     * @param features N × inputs raw features, row-major
     * @return N × outputs, in the targets' units
     */
    public float[] predict(float[] features) {
        check();
        return predictor.apply(features);
    }

    /**
     * {@return the validation samples in their own units (the validation set given to the trainer, or the part held
     * out by the validation fraction), or null without validation samples (also when validation comes from a batch
     * source)}
     */
    public Samples validation() {
        check();
        return validation;
    }

    /**
     * {@return the model's predictions for {@link #validation()} (N × outputs, targets' units), computed once per
     * epoch however many listeners ask; null without validation samples}
     */
    public float[] validationPredictions() {
        check();
        if (validation == null) {
            return null;
        }
        if (validationPredicted == null) {
            validationPredicted = validationPredictions.get();
        }
        return validationPredicted;
    }

    /**
     * {@return the targets of {@link #validation()} (N × targets, their own units), read once per epoch; null without
     * validation samples}
     */
    public float[] validationTargets() {
        check();
        if (validation == null) {
            return null;
        }
        if (validationTargets == null) {
            validationTargets = validation.targetMatrix();
        }
        return validationTargets;
    }

    /**
     * Reports a metric of this epoch: it appears in {@link EpochReport#metrics()} (and so in every listener's
     * {@link TrainingListener#onEpoch}), and early stopping can monitor it. Reporting a name again replaces the value.
     *
     * @param name  the metric's name, e.g. "accuracy"
     * @param value its value for this epoch
     */
    public void metric(String name, double value) {
        check();
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a metric needs a name");
        }
        metrics.put(name, value);
    }

    /**
     * {@return a metric reported in this epoch so far (by this or an earlier listener), or NaN}
     *
     * @param name the metric's name
     */
    public double metric(String name) {
        check();
        Double v = metrics.get(name);
        return v == null ? Double.NaN : v;
    }

    /** {@return the metrics reported in this epoch so far, in the order reported} */
    public Map<String, Double> metrics() {
        check();
        return Collections.unmodifiableMap(metrics);
    }

    /**
     * Asks training to stop after this epoch, gracefully: the run ends with {@link StopReason#LISTENER} and this
     * reason as its {@link TrainingResult#stopMessage()}; the model keeps the best or the last weights as
     * {@link TrainingConfig.Builder#restoreBestWeights} says, and a checkpoint is written when they are configured.
     * The first listener to ask gives the reason.
     *
     * @param reason why, in words (the result's stop message)
     */
    public void stop(String reason) {
        check();
        if (stopReason == null) {
            stopReason = reason == null || reason.isBlank() ? "a listener asked to stop" : reason;
        }
    }

    /** {@return whether a listener has asked to stop in this epoch} */
    public boolean stopRequested() {
        check();
        return stopReason != null;
    }

    String stopReason() {
        return stopReason;
    }

    Map<String, Double> reported() {
        return metrics;
    }

    void close() {
        open = false;
    }

    private void check() {
        if (!open) {
            throw new IllegalStateException("this epoch context was used after its onEpochEnd call returned: keep what you need from it"
                    + " during the call");
        }
    }
}
