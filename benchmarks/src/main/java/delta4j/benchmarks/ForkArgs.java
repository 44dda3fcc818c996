package delta4j.benchmarks;

/** JVM options every forked benchmark JVM gets (JMH {@code @Fork(jvmArgsAppend = ...)} needs constants). */
public final class ForkArgs {

    /** The cpu engine and netlib's VectorBLAS use the incubating Vector API. */
    public static final String VECTOR = "--add-modules=jdk.incubator.vector";
    /** The opencl engine (JOCL) and netlib load native code. */
    public static final String NATIVE = "--enable-native-access=ALL-UNNAMED";
    /** Room for Fashion-MNIST (about 190 MB of floats) next to the 2048² products. */
    public static final String HEAP = "-Xmx3g";
    /**
     * 2 MiB pages for the heap (Linux transparent huge pages, "madvise" mode). A 2048² product walks C, the packed
     * B block and A across hundreds of 4 KiB pages per k block; with huge pages the cpu engine's 2048³ product on one
     * thread ran 137-141 GFLOP/s against 129-135 without (alternating runs), 1024³ +1-2 %. numpy asks for huge pages
     * on its large arrays itself, so the OpenBLAS peer already has them. Where the kernel has no THP the JVM prints a
     * warning and goes on with small pages.
     */
    public static final String HUGE_PAGES = "-XX:+UseTransparentHugePages";
    /** Charts and fonts without a display. */
    public static final String HEADLESS = "-Djava.awt.headless=true";

    private ForkArgs() {
    }
}
