package delta4j.cli;

import delta4j.model.Optimizer;
import picocli.CommandLine.Option;

/** {@code delta4j train}'s options for the update rule: optimizer, learning rate, weight decay and schedule. */
final class OptimizerOptions {

    @Option(names = "--optimizer", paramLabel = "O", defaultValue = "adam", completionCandidates = Options.Optimizers.class,
            converter = Options.Optimizers.class, description = "${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    Optimizer.Kind optimizer;

    @Option(names = "--lr", paramLabel = "F", description = "Learning rate. Default: 0.001 for adam/adamw, 0.01 otherwise.")
    Float lr;

    @Option(names = "--weight-decay", paramLabel = "F", defaultValue = "0", description = "L2 weight decay λ (decoupled for adamw). Default: ${DEFAULT-VALUE}.")
    float weightDecay;

    @Option(names = "--schedule", paramLabel = "S", defaultValue = "constant", completionCandidates = ScheduleSpec.Converter.class,
            converter = ScheduleSpec.Converter.class, description = "Learning-rate schedule: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    ScheduleSpec schedule;

    /**
     * The optimizer with --lr, or its kind's usual rate ({@link Optimizer.Kind#defaultLearningRate()}); refuses a
     * learning rate the optimizer does not take and a weight decay that is negative or not finite.
     */
    Optimizer optimizer() {
        Optimizer o;
        try {
            o = optimizer.create(lr != null ? lr : optimizer.defaultLearningRate());
        } catch (IllegalArgumentException e) {
            throw new UsageException("--lr " + lr + ": " + e.getMessage());
        }
        if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) {
            throw new UsageException("--weight-decay " + weightDecay + ": give a finite value ≥ 0");
        }
        return o;
    }
}
