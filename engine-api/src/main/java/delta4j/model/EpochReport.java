package delta4j.model;

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
 * @param seconds        wall time of the epoch
 * @param samples        training samples processed
 */
public record EpochReport(int epoch, double trainLoss, double validationLoss, float learningRate,
                          double gradientNorm, double seconds, long samples) {

    /** {@return the training throughput of the epoch, in samples per second; NaN when no time was measured} */
    public double samplesPerSecond() {
        return seconds > 0 ? samples / seconds : Double.NaN;
    }

    /** {@return whether the epoch was measured on validation data} */
    public boolean hasValidation() {
        return !Double.isNaN(validationLoss);
    }
}
