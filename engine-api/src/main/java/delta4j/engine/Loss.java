package delta4j.engine;

import java.util.Locale;

/**
 * The loss functions of the kernel set, computed with the output δ by {@link Engine#outputDelta}.
 * Both are reported per sample: the trainer divides the engine's loss sums by N.
 */
public enum Loss {
    /**
     * The lecture's mean squared error, E = 1/N Σ_i ½‖t_i − y_i‖², with output δ
     * Δ = (A − T) ⊙ φ'(Zin). Works with every element-wise output activation.
     */
    MSE,
    /**
     * Softmax cross-entropy, E = −1/N Σ_i Σ_k t_ik log softmax(z_i)_k, with the fused output δ
     * Δ = softmax(Zin) − T. Requires the {@link Activation#SOFTMAX} output activation.
     */
    SOFTMAX_CROSS_ENTROPY;

    /** Parses "mse", "ce", "cross_entropy", "softmax_cross_entropy". */
    public static Loss parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        return switch (n) {
            case "mse" -> MSE;
            case "ce", "cross_entropy", "softmax_cross_entropy", "crossentropy" -> SOFTMAX_CROSS_ENTROPY;
            default -> throw new IllegalArgumentException("unknown loss '" + name + "': use mse or ce");
        };
    }

    /** The short name used on the command line and in model files. */
    public String id() {
        return this == MSE ? "mse" : "ce";
    }
}
