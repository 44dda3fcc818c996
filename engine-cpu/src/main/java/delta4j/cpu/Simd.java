package delta4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector shape every kernel uses: the machine's preferred float species (16 lanes with AVX-512, 8 with
 * AVX2, 4 with SSE or NEON). Only classes loaded after {@link CpuEngineProvider} has found the
 * jdk.incubator.vector module may touch this class.
 */
final class Simd {

    private Simd() {
    }

    /**
     * The preferred species, never a hard-coded width: a 512-bit species on a JVM that uses only AVX2 is
     * emulated and ran 150× slower in measurement.
     */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** Float lanes per vector. */
    static final int L = F.length();

    /** "AVX-512 (16 float lanes)" and the like, for {@link CpuEngine#device()}. */
    static String describe() {
        String arch = System.getProperty("os.arch", "").toLowerCase(java.util.Locale.ROOT);
        boolean x86 = arch.contains("amd64") || arch.contains("x86");
        int bits = F.vectorBitSize();
        String isa;
        if (x86) {
            isa = switch (bits) {
                case 512 -> "AVX-512";
                case 256 -> "AVX2";
                case 128 -> "SSE";
                default -> bits + "-bit SIMD";
            };
        } else if (arch.contains("aarch64") || arch.contains("arm")) {
            isa = bits == 128 ? "NEON" : "SVE " + bits + "-bit";
        } else {
            isa = bits + "-bit SIMD";
        }
        return isa + " (" + L + " float lanes)";
    }
}
