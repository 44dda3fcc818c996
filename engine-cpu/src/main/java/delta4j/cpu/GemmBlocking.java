package delta4j.cpu;

import java.util.function.UnaryOperator;

/**
 * The GEMM's per-CPU choices, made once when the engine's classes load: the vector width of the micro-kernel, its
 * register tile MR × NR, and the cache blocking KC, MC, NC, chosen from what the machine is ({@link CpuFacts}) and
 * the JVM's preferred vector width. Each can be overridden by a system property (for tests and tuning), read at the
 * same moment. The constants of {@link GemmMicroKernel}, {@link GemmPacking} and {@link GemmLoopNest} are
 * {@code static final} copies of {@link #MACHINE}, so C2 compiles them as constants (the packed A rows KC apart are
 * one load with a constant displacement, the species is known), and the choice cannot change while a JVM runs.
 *
 * <p>The rules and the measurements behind them, one row per CPU, are in engine-cpu/README.md (GEMM, Per-CPU
 * choices):
 * <ul>
 * <li>vector width: the JVM's preferred width, the one every other kernel of the engine runs. A narrower GEMM
 * (the override) mixes two species in one JVM: C2's type profiles of the Vector API's shared methods then see both,
 * and code compiled against the other species' profile falls back to allocating Java. On a CPU whose 512-bit
 * operations run as two 256-bit halves (AMD family 25, Zen 4) the JVM flag {@code -XX:MaxVectorSize=32} makes the
 * whole engine 256-bit, and the GEMM then takes the 12-row tile below;</li>
 * <li>MR: 12 rows where the JVM has 32 vector registers (x86 with AVX-512 and the JVM not held to AVX2 by
 * {@code -XX:UseAVX}, also at 256 bits), 6 where it has 16; NR: two vectors;</li>
 * <li>KC: the B micro-panel (KC × NR floats) within the L1 data cache, a multiple of 16 (the block transposes of
 * the packs write whole 16-step blocks inside a packed row) in [64, 256]: the largest k block the L1 holds means
 * the fewest passes over C, and the A micro-panels' broadcasts stream from L2 beside it (a panel in two thirds of a
 * 32 KiB L1, KC 160, ran slower than one filling it). Twice that (at most 512) for 512-bit vectors on a CPU that
 * runs them as two 256-bit halves ({@link CpuFacts#splitsWideVectors}, Zen 4): a k step's FMAs take twice as many
 * cycles there, so the B micro-panel streams from L2 as fast as the kernel reads it, and the deeper block halves
 * the passes over C;</li>
 * <li>MC: 72, a multiple of 6 and 12 (the packed A block is far smaller than any L2; larger and smaller blocks
 * measured no faster), less where the L2 is smaller than four A blocks;</li>
 * <li>NC: the packed B block (KC × NC floats) within the L2, a power of two of at most 1024 columns (2048 measured
 * slower on a 2 MiB L2, 512 slower on a 1 MiB L2); within twice the L2 where KC was doubled (its B micro-panels
 * stream from L2 anyway, and the block streams from L3 beside them: on Zen 4 the 2 MiB block of NC 1024 ran faster
 * than NC 512's, which packs op(A) twice as often).</li>
 * </ul>
 * Unknown caches give the fallback KC = 256 (doubled where the vectors are split), NC = 1024, the constants measured on
 * the CPUs of the tuning table.
 *
 * @param vectorBits the micro-kernel's vector width (the JVM's preferred width unless overridden)
 * @param mr         register tile rows (6 or 12)
 * @param kc         k block: packed A row stride and B micro-panel depth
 * @param mc         m block, a multiple of mr
 * @param nc         n block, a multiple of the tile's columns
 * @param facts      what the choice was made from
 */
record GemmBlocking(int vectorBits, int mr, int kc, int mc, int nc, CpuFacts facts) {

    /** System properties that override a choice (an integer each). */
    static final String VECTOR_BITS = "delta4j.cpu.gemm.vectorBits", MR = "delta4j.cpu.gemm.mr",
            KC = "delta4j.cpu.gemm.kc", MC = "delta4j.cpu.gemm.mc", NC = "delta4j.cpu.gemm.nc";

    static final int FALLBACK_KC = 256, MAX_KC = 256, MIN_KC = 64, DEFAULT_MC = 72, FALLBACK_NC = 1024, MAX_NC = 1024;
    /** How much deeper the k block is where the CPU splits the micro-kernel's 512-bit vectors in two. */
    static final int SPLIT_VECTOR_DEPTH = 2;

    /** This machine's choice, with this JVM's overrides (without them where one is invalid: see {@link #OVERRIDE_ERROR}). */
    static final GemmBlocking MACHINE;
    /** Why this JVM's overrides were rejected, or null. */
    private static final String OVERRIDE_ERROR;

    static {
        CpuFacts facts = CpuFacts.read();
        int bits = Simd.F.vectorBitSize();
        boolean registers32 = registers32(facts, bits, System.getProperty("os.arch", ""),
                () -> java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        GemmBlocking chosen;
        String error = null;
        try {
            chosen = choose(facts, bits, registers32, System::getProperty);
        } catch (IllegalArgumentException e) {
            error = e.getMessage();
            chosen = choose(facts, bits, registers32, name -> null);
        }
        MACHINE = chosen;
        OVERRIDE_ERROR = error;
    }

    /** Called by the engine's constructor: an invalid override fails engine creation, naming the property. */
    static void requireValidOverrides() {
        if (OVERRIDE_ERROR != null) {
            throw new IllegalArgumentException(OVERRIDE_ERROR);
        }
    }

    /** {@return float lanes of the micro-kernel's vectors} */
    int lanes() {
        return vectorBits / 32;
    }

    /** {@return columns of the register tile: two vectors} */
    int nr() {
        return 2 * lanes();
    }

    /**
     * Whether the JVM's vector code has 32 registers: 512-bit vectors (AVX-512, SVE), or an x86 CPU with AVX-512
     * whose JVM is not held below it by {@code -XX:UseAVX=0..2} (with {@code -XX:MaxVectorSize=32} its 256-bit
     * vectors still have the EVEX encodings and registers 16-31). The JVM's arguments are asked for only in that
     * last case: the management beans that give them take milliseconds to start, in front of the first kernel.
     */
    static boolean registers32(CpuFacts facts, int preferredBits, String osArch,
                               java.util.function.Supplier<java.util.List<String>> jvmArguments) {
        if (preferredBits >= 512) {
            return true;
        }
        boolean x86 = osArch.contains("amd64") || osArch.contains("x86");
        return x86 && facts.avx512f() && preferredBits >= 256
                && jvmArguments.get().stream().noneMatch(a -> a.matches("-XX:UseAVX=[0-2]"));
    }

    /**
     * The choice for a machine.
     *
     * @param facts         the CPU and its caches
     * @param preferredBits the JVM's preferred vector width ({@code FloatVector.SPECIES_PREFERRED}): never exceeded,
     *                      since a species wider than the JVM compiles runs in Java, far slower
     * @param registers32   whether the JVM's vector code has 32 registers ({@link #registers32})
     * @param overrides     property name → value, or null where not set
     * @throws IllegalArgumentException if an override is not a number the kernels can run, naming the property
     */
    static GemmBlocking choose(CpuFacts facts, int preferredBits, boolean registers32, UnaryOperator<String> overrides) {
        int bits = override(overrides, VECTOR_BITS, preferredBits);
        if (bits != 256 && bits != 512 && bits != preferredBits || bits > preferredBits) {
            throw new IllegalArgumentException("-D" + VECTOR_BITS + "=" + bits + " is not a width the GEMM can run"
                    + " here: use 256" + (preferredBits >= 512 ? " or 512" : "") + " (this JVM's vectors are "
                    + preferredBits + " bits)");
        }
        int nr = 2 * bits / 32;
        int mr = override(overrides, MR, registers32 ? 12 : 6);
        if (mr != 6 && mr != 12) {
            throw new IllegalArgumentException("-D" + MR + "=" + mr + " has no micro-kernel: use 6 or 12");
        }
        int kc = FALLBACK_KC;
        if (facts.l1d() > 0) {
            long fit = facts.l1d() / (4L * nr);
            kc = (int) Math.clamp(fit / 16 * 16, MIN_KC, MAX_KC);
        }
        int depthFactor = bits == 512 && facts.splitsWideVectors() ? SPLIT_VECTOR_DEPTH : 1;
        kc = override(overrides, KC, kc * depthFactor);
        if (kc < 16 || kc % 16 != 0) {
            throw new IllegalArgumentException("-D" + KC + "=" + kc + " must be a positive multiple of 16");
        }
        int mc = DEFAULT_MC;
        if (facts.l2() > 0) {
            long fit = facts.l2() / 4 / (4L * kc);
            mc = (int) Math.clamp(fit / mr * mr, mr, DEFAULT_MC);
        }
        mc = override(overrides, MC, mc);
        if (mc < mr || mc % mr != 0) {
            throw new IllegalArgumentException("-D" + MC + "=" + mc + " must be a positive multiple of MR = " + mr);
        }
        int nc = FALLBACK_NC;
        if (facts.l2() > 0) {
            nc = MAX_NC;
            while (nc > 2 * nr && 4L * kc * nc > facts.l2() * depthFactor) {
                nc /= 2;
            }
        }
        nc = override(overrides, NC, nc);
        if (nc < nr || nc % nr != 0) {
            throw new IllegalArgumentException("-D" + NC + "=" + nc + " must be a positive multiple of NR = " + nr);
        }
        return new GemmBlocking(bits, mr, kc, mc, nc, facts);
    }

    private static int override(UnaryOperator<String> overrides, String name, int chosen) {
        String value = overrides.apply(name);
        if (value == null || value.isBlank()) {
            return chosen;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + name + "=" + value + " is not an integer: remove it or give a number");
        }
    }

    /** "gemm 512-bit 12×32 tile, KC 256, MC 72, NC 1024 (Intel family 6 model 167, L1d 48 KiB, L2 2048 KiB)". */
    String describe() {
        return "gemm " + vectorBits + "-bit " + mr + "×" + nr() + " tile, KC " + kc + ", MC " + mc + ", NC " + nc
                + " (" + facts.describe() + ")";
    }
}
