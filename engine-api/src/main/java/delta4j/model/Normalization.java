package delta4j.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The normalisation a hidden dense layer may apply between its product and its activation:
 * {@code A = φ(γ ⊙ norm(A[l-1]·W) + b)}. The layer's bias b is the normalisation's shift β (a bias before the
 * normalisation would be removed by it, for batch normalisation exactly), and the gains γ are trained with W and b.
 *
 * <p>Each constant carries its {@link #code()} in model files and its {@link #id()} on the command line; every
 * switch over normalisations is exhaustive, so a new one fails the build wherever it must be handled.
 */
public enum Normalization {
    /** No normalisation: the plain dense layer {@code A = φ(A[l-1]·W + b)}. */
    NONE(0, "none"),
    /**
     * Layer normalisation (Ba, Kiros and Hinton): each sample's units are centred and scaled by that sample's mean and
     * standard deviation ({@link delta4j.engine.Engine#layerNorm}); the same at training and prediction.
     */
    LAYER(1, "layer"),
    /**
     * Batch normalisation (Ioffe and Szegedy): each unit is centred and scaled by the batch's mean and standard
     * deviation at training ({@link delta4j.engine.Engine#batchNorm}, batches of at least 2 samples) and by the
     * running statistics kept with momentum {@link #MOMENTUM} at prediction
     * ({@link delta4j.engine.Engine#batchNormInference}).
     */
    BATCH(2, "batch");

    /** The ε added to every variance before its square root: PyTorch's default. */
    public static final float EPSILON = 1e-5f;
    /** The momentum m of batch normalisation's running statistics, {@code r ← (1 − m)·r + m·batch}: PyTorch's default. */
    public static final float MOMENTUM = 0.1f;

    private final int code;
    private final String id;

    Normalization(int code, String id) {
        this.code = code;
        this.id = id;
    }

    /** {@return the normalisation's code in model files (docs/MODEL_FORMAT.md)} Fixed forever once released. */
    public int code() {
        return code;
    }

    /** {@return the name used on the command line ({@code --norm}) and in model descriptions} */
    public String id() {
        return id;
    }

    /** {@return whether this normalisation keeps running statistics for prediction} */
    public boolean hasRunningStatistics() {
        return this == BATCH;
    }

    /**
     * {@return the normalisation with this model-file code, if there is one}
     *
     * @param code a code read from a model file
     */
    public static Optional<Normalization> ofCode(int code) {
        return Arrays.stream(values()).filter(n -> n.code == code).findFirst();
    }

    /**
     * Parses an {@link #id()}.
     *
     * @param name "none", "layer" or "batch", in any case
     * @return the normalisation
     * @throws IllegalArgumentException if no normalisation has that name, listing the ids
     */
    public static Normalization parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (Normalization v : values()) {
            if (v.id.equals(n)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown normalisation '" + name + "': use one of " + ids());
    }

    /** {@return the ids, comma-separated in declaration order} */
    public static String ids() {
        return Arrays.stream(values()).map(Normalization::id).collect(Collectors.joining(", "));
    }
}
