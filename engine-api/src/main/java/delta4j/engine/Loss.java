package delta4j.engine;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The loss functions of the kernel set, computed with the output δ by {@link Engine#outputDelta}.
 * Each is reported per sample, summed over the outputs: the trainer divides the engine's loss sums by N.
 * {@link #HUBER} has a {@linkplain #parameter() parameter} δ; the others have none.
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
    SOFTMAX_CROSS_ENTROPY(1, "ce", "cross_entropy", "softmax_cross_entropy", "crossentropy"),
    /**
     * Absolute error, E = 1/N Σ_i ‖y_i − t_i‖₁ (mean absolute error times the number of outputs; PyTorch's
     * {@code L1Loss(reduction="sum")} divided by N), with output δ Δ = sign(A − T) ⊙ φ'(Zin) and sign(0) = 0.
     * Works with every element-wise output activation.
     */
    L1(2, "l1", "mae"),
    /**
     * Huber loss with threshold δ &gt; 0 (the {@linkplain #parameter() parameter}, 1 by default), summed over the
     * outputs: h(r) = ½r² for |r| ≤ δ and δ(|r| − ½δ) beyond, r = y − t (PyTorch's {@code HuberLoss(delta=δ,
     * reduction="sum")} divided by N). Output δ: Δ = clamp(A − T, −δ, δ) ⊙ φ'(Zin). Works with every
     * element-wise output activation.
     */
    HUBER(3, "huber"),
    /**
     * Binary cross-entropy on independent sigmoid outputs (multi-label targets in [0, 1]),
     * E = 1/N Σ_i Σ_k −[t log σ(z) + (1 − t) log(1 − σ(z))], computed from the logits as
     * max(z, 0) − z·t + log(1 + e^{−|z|}) so that it stays finite for logits of any size (PyTorch's
     * {@code BCEWithLogitsLoss(reduction="sum")} divided by N). Fused output δ: Δ = σ(Zin) − T. Requires the
     * {@link Activation#SIGMOID} output activation.
     */
    BINARY_CROSS_ENTROPY(4, "bce", "bce_with_logits", "binary_cross_entropy");

    /** Huber's δ when none is given: PyTorch's default. */
    public static final float DEFAULT_HUBER_DELTA = 1f;

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

    /**
     * {@return whether this loss takes a parameter} ({@link #HUBER}'s δ); for the others {@link #parameter()}
     * is 0 and {@link Engine#outputDelta(Loss, float, Activation, Tensor, Tensor, Tensor, Tensor, Tensor, int)}
     * ignores its parameter.
     */
    public boolean hasParameter() {
        return this == HUBER;
    }

    /** {@return the parameter this loss takes when none is given: Huber's δ = 1, otherwise 0} */
    public float parameter() {
        return this == HUBER ? DEFAULT_HUBER_DELTA : 0f;
    }

    /**
     * Checks a loss parameter.
     *
     * @param value the parameter, e.g. Huber's δ
     * @return {@code value}
     * @throws IllegalArgumentException if this loss takes a parameter and {@code value} is not finite and positive
     */
    public float checkParameter(float value) {
        if (hasParameter() && !(value > 0 && Float.isFinite(value))) {
            throw new IllegalArgumentException(id + "'s δ is " + value + ": it must be a finite number above 0, e.g. huber:1");
        }
        return value;
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
     * Parses an {@link #id()} ("mse", "ce", "l1", "huber", "bce") or a longer name ("cross_entropy",
     * "softmax-cross-entropy", "mae", "bce-with-logits"). A parameter ("huber:0.5") is not part of the name: see
     * {@link #parseParameter(String)}.
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

    /**
     * {@return the parameter written after the name, as in "huber:0.5", or the loss's default} Checked with
     * {@link #checkParameter(float)}.
     *
     * @param spec a loss name, optionally followed by ':' and a number
     * @throws IllegalArgumentException if the name is unknown, the loss takes no parameter but one is given, or the
     *         number is malformed or out of range
     */
    public static float parseParameter(String spec) {
        int colon = spec.indexOf(':');
        Loss loss = parse(colon < 0 ? spec : spec.substring(0, colon));
        if (colon < 0) {
            return loss.parameter();
        }
        if (!loss.hasParameter()) {
            throw new IllegalArgumentException("loss '" + spec + "': " + loss.id + " takes no parameter, drop the ':'");
        }
        String number = spec.substring(colon + 1).trim();
        try {
            return loss.checkParameter(Float.parseFloat(number));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("loss '" + spec + "': '" + number + "' is not a number; write e.g. huber:1.5");
        }
    }

    /**
     * Parses a loss name that may carry a parameter ("huber:0.5"): the part before ':'.
     *
     * @param spec a loss name, optionally followed by ':' and a number
     * @return the loss
     * @throws IllegalArgumentException if no loss has that name
     */
    public static Loss parseSpec(String spec) {
        int colon = spec.indexOf(':');
        return parse(colon < 0 ? spec : spec.substring(0, colon));
    }

    /** {@return the ids, comma-separated in declaration order} */
    public static String ids() {
        return Arrays.stream(values()).map(Loss::id).collect(Collectors.joining(", "));
    }
}
