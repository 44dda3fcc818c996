/**
 * delta4j's CPU engine: the kernel set in the Java Vector API, multi-threaded. Selected as "cpu"; it needs
 * the JVM flag {@code --add-modules jdk.incubator.vector} when used from the class path.
 */
module delta4j.cpu {
    requires transitive delta4j.api;
    requires jdk.incubator.vector;
    requires java.management; // the JVM's -XX:UseAVX, for the GEMM's register tile (GemmBlocking)

    provides delta4j.engine.EngineProvider with delta4j.cpu.CpuEngineProvider;
}
