package delta4j.engine;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The activation functions φ of the kernel set. Each engine implements them inside
 * {@link Engine#biasActivation} (φ) and {@link Engine#activationBackward} (φ').
 *
 * <p>Each constant carries everything else the project needs to know about it: its {@link #code()} in model
 * files and device kernels, its {@link #id()} on the command line, and whether He initialisation suits it.
 * The model format, the command line's lists and help and the OpenCL kernels' dispatch derive from these;
 * every switch over activations is exhaustive, so adding a constant fails the build wherever it must be
 * handled (the reference engine, the cpu engine's element-wise kernels) and fails the OpenCL kernels' build
 * until activation.cl defines its φ and φ'.
 *
 * <p>{@link #SOFTMAX} acts on a whole row, not element-wise: it is only allowed on the output layer,
 * paired with {@link Loss#SOFTMAX_CROSS_ENTROPY}, whose output δ is the simple {@code softmax(Zin) − T}.
 */
public enum Activation {
    /** φ(z) = z, φ'(z) = 1. */
    IDENTITY(0, "identity", false, true),
    /** φ(z) = 1 / (1 + e^−z), φ'(z) = φ(z)(1 − φ(z)), computed from A. */
    SIGMOID(1, "sigmoid", false, true),
    /** φ(z) = tanh z, φ'(z) = 1 − φ(z)², computed from A. */
    TANH(2, "tanh", false, true),
    /** φ(z) = max(0, z), φ'(z) = [z &gt; 0]. */
    RELU(3, "relu", true, true),
    /** φ(z) = z for z &gt; 0 else {@value #LEAKY_SLOPE}·z, φ'(z) = 1 or {@value #LEAKY_SLOPE}. */
    LEAKY_RELU(4, "leaky_relu", true, true),
    /** Row-wise softmax: A_ik = e^{Z_ik − max_j Z_ij} / Σ_j e^{Z_ij − max_j Z_ij}. Output layer only. */
    SOFTMAX(5, "softmax", false, false),
    /**
     * The exact, erf-based GELU (PyTorch's default): φ(z) = z·Φ(z) with the standard normal distribution
     * function Φ(z) = ½(1 + erf(z/√2)); φ'(z) = Φ(z) + z·e^{−z²/2}/√(2π), computed from Zin.
     */
    GELU(6, "gelu", true, false),
    /** SiLU (swish): φ(z) = z·σ(z) with σ(z) = 1 / (1 + e^−z); φ'(z) = σ(z)(1 + z(1 − σ(z))), computed from Zin. */
    SILU(7, "silu", true, false);

    /** The slope of {@link #LEAKY_RELU} for negative inputs. */
    public static final float LEAKY_SLOPE = 0.01f;

    private final int code;
    private final String id;
    private final boolean rectifier;
    private final boolean derivativeFromOutput;

    Activation(int code, String id, boolean rectifier, boolean derivativeFromOutput) {
        this.code = code;
        this.id = id;
        this.rectifier = rectifier;
        this.derivativeFromOutput = derivativeFromOutput;
    }

    /**
     * The activation's code in model files (one byte per layer, docs/MODEL_FORMAT.md) and in the OpenCL
     * kernels. Fixed forever once released, whatever the constants' order: never an ordinal.
     *
     * @return the code
     */
    public int code() {
        return code;
    }

    /** {@return the lower-case name used on the command line, in checkpoint settings and in model descriptions} */
    public String id() {
        return id;
    }

    /** {@return whether φ acts element by element (all but softmax)} */
    public boolean isElementwise() {
        return this != SOFTMAX;
    }

    /**
     * Whether φ passes large positive inputs and (nearly) stops negative ones, as relu does, so that a layer
     * keeps its inputs' variance with He initialisation (Var W = 2/n_in) rather than Xavier's.
     *
     * @return whether φ is a rectifier (relu, leaky relu, GELU, SiLU and the like)
     */
    public boolean isRectifier() {
        return rectifier;
    }

    /**
     * Whether φ'(z) is exactly a function of φ(z), so that {@link Engine#activationBackward} gives the same bits with
     * A passed as Zin: identity (1), sigmoid and tanh (taken from A anyway), relu and leaky relu ([φ(z) &gt; 0] is
     * [z &gt; 0], the slope being positive). A layer with such a φ needs no Zin after its forward pass, so the model
     * computes A in place over Zin (delta4j.model.Network): one matrix less per layer, and on the cpu engine's two
     * threads no second matrix whose rows the other core has read in the step before (engine-cpu/README.md, Threads).
     * Not GELU and SiLU (φ' needs z), nor softmax (not element-wise).
     *
     * @return whether φ' can be taken from φ's output
     */
    public boolean derivativeFromOutput() {
        return derivativeFromOutput;
    }

    /**
     * {@return the activation with this model-file code, if there is one}
     *
     * @param code a code read from a model file
     */
    public static Optional<Activation> ofCode(int code) {
        for (Activation a : values()) {
            if (a.code == code) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /**
     * Parses an {@link #id()} such as "relu" or "leaky_relu", also written "leaky-relu" or "TANH".
     *
     * @param name the id, in any case, with '-' or '_'
     * @return the activation
     * @throws IllegalArgumentException if no activation has that id, listing the ids
     */
    public static Activation parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        for (Activation a : values()) {
            if (a.id.equals(n)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown activation '" + name + "': use one of " + ids(false));
    }

    /**
     * {@return the ids, comma-separated in declaration order}
     *
     * @param elementwiseOnly whether to list only the element-wise activations (those allowed on hidden layers)
     */
    public static String ids(boolean elementwiseOnly) {
        return Arrays.stream(values()).filter(a -> !elementwiseOnly || a.isElementwise()).map(Activation::id)
                .collect(Collectors.joining(", "));
    }
}
