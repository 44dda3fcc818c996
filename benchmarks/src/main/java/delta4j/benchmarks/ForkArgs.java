package delta4j.benchmarks;

/** JVM options every forked benchmark JVM gets (JMH {@code @Fork(jvmArgsAppend = ...)} needs constants). */
public final class ForkArgs {

    /** The cpu engine and netlib's VectorBLAS use the incubating Vector API. */
    public static final String VECTOR = "--add-modules=jdk.incubator.vector";
    /** The opencl engine (JOCL) and netlib load native code. */
    public static final String NATIVE = "--enable-native-access=ALL-UNNAMED";
    /** Room for Fashion-MNIST (about 190 MB of floats) next to the 2048² products. */
    public static final String HEAP = "-Xmx3g";
    /** Charts and fonts without a display. */
    public static final String HEADLESS = "-Djava.awt.headless=true";

    private ForkArgs() {
    }
}
