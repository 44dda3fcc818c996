package delta4j.engine;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The loss functions of the kernel set, computed with the output δ by {@link Engine#outputDelta}.
 * Both are reported per sample: the trainer divides the engine's loss sums by N.
 *
 * <p>Each constant carries its {@link #code()} in model files and its {@link #id()} on the command line;
 * every switch over losses is exhaustive, so a new loss fails the build wherever it must be handled.
 */
public enum Loss {
    /**
     * The lecture's mean squared error, E = 1/N Σ_i ½‖t_i − y_i‖², with output δ
     * Δ = (A − T) ⊙ φ'(Zin). Works with every element-wise output activation.
     */
    MSE(0, "mse"),
    /**
     * Softmax cross-entropy, E = −1/N Σ_i Σ_k t_ik log softmax(z_i)_k, with the fused output δ
     * Δ = softmax(Zin) − T. Requires the {@link Activation#SOFTMAX} output activation.
     */
    SOFTMAX_CROSS_ENTROPY(1, "ce", "cross_entropy", "softmax_cross_entropy", "crossentropy");

    private final int code;
    private final String id;
    private final List<String> aliases;

    Loss(int code, String id, String... aliases) {
        this.code = code;
        this.id = id;
        this.aliases = List.of(aliases);
    }

    /**
     * {@return the loss's code in model files (docs/MODEL_FORMAT.md)} Fixed forever once released: never an ordinal.
     */
    public int code() {
        return code;
    }

    /** {@return the short name used on the command line, in checkpoint settings and in model descriptions} */
    public String id() {
        return id;
    }

    /**
     * {@return the loss with this model-file code, if there is one}
     *
     * @param code a code read from a model file
     */
    public static Optional<Loss> ofCode(int code) {
        return Arrays.stream(values()).filter(l -> l.code == code).findFirst();
    }

    /**
     * Parses an {@link #id()} ("mse", "ce") or a longer name ("cross_entropy", "softmax-cross-entropy").
     *
     * @param name the id or alias, in any case, with '-' or '_'
     * @return the loss
     * @throws IllegalArgumentException if no loss has that name, listing the ids
     */
    public static Loss parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        for (Loss l : values()) {
            if (l.id.equals(n) || l.aliases.contains(n)) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown loss '" + name + "': use one of " + ids());
    }

    /** {@return the ids, comma-separated in declaration order} */
    public static String ids() {
        return Arrays.stream(values()).map(Loss::id).collect(Collectors.joining(", "));
    }
}
