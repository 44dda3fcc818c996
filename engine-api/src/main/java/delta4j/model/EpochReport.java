package delta4j.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one epoch did. Losses are the objective the network minimises, per sample: on standardised targets,
 * {@code ½‖(y − t)/σ‖²}, when the model has a target standardizer
 * ({@link TrainingConfig.Builder#standardizeTargets}), else in the targets' units squared.
 *
 * @param epoch          1-based epoch number
 * @param trainLoss      mean training loss over the epoch's mini-batches (as the weights moved)
 * @param validationLoss mean loss on the validation set after the epoch, or NaN without one
 * @param learningRate   η used in this epoch
 * @param gradientNorm   ‖∇E‖ over the whole training set after the epoch, or NaN when not computed
 * @param seconds        wall time of the epoch (training, validation and gradient norm; not the listeners)
 * @param samples        training samples processed
 * @param metrics        the metrics listeners reported for this epoch ({@link EpochContext#metric}), in the order
 *                       reported; empty when none did
 */
public record EpochReport(int epoch, double trainLoss, double validationLoss, float learningRate,
                          double gradientNorm, double seconds, long samples, Map<String, Double> metrics) {

    /** Keeps the metrics, in their order, unmodifiable (none when null). */
    public EpochReport {
        metrics = metrics == null || metrics.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }

    /**
     * A report without metrics.
     *
     * @param epoch          1-based epoch number
     * @param trainLoss      mean training loss over the epoch's mini-batches
     * @param validationLoss mean loss on the validation set after the epoch, or NaN without one
     * @param learningRate   η used in this epoch
     * @param gradientNorm   ‖∇E‖ over the whole training set after the epoch, or NaN when not computed
     * @param seconds        wall time of the epoch
     * @param samples        training samples processed
     */
    public EpochReport(int epoch, double trainLoss, double validationLoss, float learningRate, double gradientNorm, double seconds,
                       long samples) {
        this(epoch, trainLoss, validationLoss, learningRate, gradientNorm, seconds, samples, Map.of());
    }

    /** {@return the training throughput of the epoch, samples per second} */
    public double samplesPerSecond() {
        return seconds > 0 ? samples / seconds : Double.NaN;
    }

    /** {@return whether the epoch was measured on a validation set} */
    public boolean hasValidation() {
        return !Double.isNaN(validationLoss);
    }

    /**
     * {@return a metric a listener reported for this epoch, or NaN when none was}
     *
     * @param name the metric's name
     */
    public double metric(String name) {
        Double v = metrics.get(name);
        return v == null ? Double.NaN : v;
    }
}
