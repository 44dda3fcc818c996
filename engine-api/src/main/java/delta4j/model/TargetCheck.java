package delta4j.model;

import delta4j.engine.Loss;

/**
 * What a loss requires of its targets beyond being finite, checked before training (a whole data set) or batch by
 * batch (a batch source), because the kernels would train on a wrong gradient without a word.
 */
enum TargetCheck {
    /** Any finite target. */
    NONE,
    /** Every target row sums to 1 (softmax + cross-entropy: Δ = p − t is the gradient of −Σ t log p only then). */
    DISTRIBUTIONS,
    /** Every target lies in [0, 1] (binary cross-entropy: each output is a probability). */
    PROBABILITIES;

    /** {@return the check a loss's targets need} */
    static TargetCheck of(Loss loss) {
        return switch (loss) {
            case MSE, L1, HUBER -> NONE;
            case SOFTMAX_CROSS_ENTROPY -> DISTRIBUTIONS;
            case BINARY_CROSS_ENTROPY -> PROBABILITIES;
        };
    }

    /** The advice of a message about a target in [0, 1]. */
    static final String PROBABILITY_ADVICE = "binary cross-entropy needs every target in [0, 1]: give 0/1 labels or probabilities,"
            + " or use the mse loss";
}
