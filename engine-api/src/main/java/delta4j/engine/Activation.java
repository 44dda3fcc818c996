package delta4j.engine;

import java.util.Locale;

/**
 * The activation functions φ of the kernel set. Each engine implements them inside
 * {@link Engine#biasActivation} (φ) and {@link Engine#activationBackward} (φ').
 *
 * <p>{@link #SOFTMAX} acts on a whole row, not element-wise: it is only allowed on the output layer,
 * paired with {@link Loss#SOFTMAX_CROSS_ENTROPY}, whose output δ is the simple {@code softmax(Zin) − T}.
 */
public enum Activation {
    /** φ(z) = z, φ'(z) = 1. */
    IDENTITY,
    /** φ(z) = 1 / (1 + e^−z), φ'(z) = φ(z)(1 − φ(z)), computed from A. */
    SIGMOID,
    /** φ(z) = tanh z, φ'(z) = 1 − φ(z)², computed from A. */
    TANH,
    /** φ(z) = max(0, z), φ'(z) = [z &gt; 0]. */
    RELU,
    /** φ(z) = z for z &gt; 0 else {@value #LEAKY_SLOPE}·z, φ'(z) = 1 or {@value #LEAKY_SLOPE}. */
    LEAKY_RELU,
    /** Row-wise softmax: A_ik = e^{Z_ik − max_j Z_ij} / Σ_j e^{Z_ij − max_j Z_ij}. Output layer only. */
    SOFTMAX;

    /** The slope of {@link #LEAKY_RELU} for negative inputs. */
    public static final float LEAKY_SLOPE = 0.01f;

    /** Whether φ acts element by element (all but softmax). */
    public boolean isElementwise() {
        return this != SOFTMAX;
    }

    /** Parses names such as "relu", "leaky_relu", "leaky-relu", "TANH". */
    public static Activation parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (Activation a : values()) {
            if (a.name().equals(n)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown activation '" + name + "': use one of identity, sigmoid, tanh, relu, leaky_relu, softmax");
    }

    /** The lower-case name used on the command line and in model files. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
