package delta4j.opencl;

import delta4j.engine.Activation;

/**
 * The OpenCL C that ties activation.cl to {@link Activation}, generated from the enum and compiled ahead of
 * the element-wise sources: an {@code ACT_<NAME>} constant per activation with its {@link Activation#code()}
 * (the value the engine passes to the kernels), and the case lists {@code PHI_CASES} and
 * {@code PHI_PRIME_CASES} with which activation.cl's {@code phi} and {@code phi_prime} dispatch to
 * {@code phi_<id>} and {@code phi_prime_<id>} for every element-wise activation. An activation whose two
 * functions activation.cl does not define therefore fails the build (an undeclared function), instead of
 * falling through to a default.
 */
final class ActivationDispatch {

    private ActivationDispatch() {
    }

    /** The generated source, one definition per line. */
    static String source() {
        StringBuilder sb = new StringBuilder("// ---- generated from delta4j.engine.Activation by ActivationDispatch\n");
        for (Activation a : Activation.values()) {
            sb.append("#define ").append(constant(a)).append(' ').append(a.code()).append('\n');
        }
        sb.append("#define PHI_CASES(z)");
        for (Activation a : Activation.values()) {
            if (a.isElementwise()) {
                sb.append(" case ").append(constant(a)).append(": return phi_").append(a.id()).append("(z);");
            }
        }
        sb.append("\n#define PHI_PRIME_CASES(zin, a)");
        for (Activation a : Activation.values()) {
            if (a.isElementwise()) {
                sb.append(" case ").append(constant(a)).append(": return phi_prime_").append(a.id()).append("(zin, a);");
            }
        }
        return sb.append('\n').toString();
    }

    /** "ACT_LEAKY_RELU" for leaky_relu. */
    private static String constant(Activation a) {
        return "ACT_" + a.id().toUpperCase(java.util.Locale.ROOT);
    }
}
