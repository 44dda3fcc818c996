package delta4j.benchmarks;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * What is this core's fp32 FMA peak, measured rather than taken from a data sheet? The ceiling the cpu engine's
 * one-thread sgemm is held to (the "80% of the machine's single-core FMA peak"), measured in the same run
 * because a shared machine's clock moves from hour to hour. A loop of {@value #CHAINS} independent fused
 * multiply-add chains on the machine's preferred vector species: enough chains to cover the FMA latency on
 * every port (4 cycles × 2 ports needs 8), no loads, no stores. On the machine of docs/BENCHMARKS.md it matched
 * a C loop of AVX-512 intrinsics built with gcc -O2 (175 and 174 GFLOP/s in the same minute).
 * The score is time per {@value #STEPS} loop steps; the report turns it into GFLOP/s with
 * 2 · lanes · {@value #CHAINS} · {@value #STEPS} FLOPs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkArgs.VECTOR, ForkArgs.HUGE_PAGES})
@State(Scope.Thread)
public class FmaPeakBenchmark {

    /** Independent accumulator chains. */
    public static final int CHAINS = 16;
    /** Loop steps per benchmark call: long enough that the call overhead is noise. */
    public static final int STEPS = 100_000;

    /** Only one thread: the target is per core. */
    @Param({"1"})
    public int threads;

    /**
     * Float lanes of the species measured (the preferred one; the suite passes its count): recorded so that the
     * report computes the FLOPs from the results alone, even when rebuilt on another machine.
     */
    @Param({"16"})
    public int lanes;

    /** A constant species: C2 compiles Vector API calls to instructions only when the species is a constant. */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private final float x = 0.999999f, y = 1e-7f;

    @Setup
    public void setUp() {
        if (lanes != F.length()) {
            throw new IllegalArgumentException("this JVM's preferred species has " + F.length() + " float lanes, not "
                    + lanes + ": run with -p lanes=" + F.length());
        }
    }

    /** The preferred species' lane count, for the suite's plan. */
    public static int preferredLanes() {
        return FloatVector.SPECIES_PREFERRED.length();
    }

    /** 16 FMA chains, returned summed so that none of them is dead code. */
    @Benchmark
    public float fma() {
        FloatVector vx = FloatVector.broadcast(F, x), vy = FloatVector.broadcast(F, y);
        FloatVector a0 = FloatVector.broadcast(F, 1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
        // A long counter keeps C2 from unrolling and strip-mining the loop (an int loop ran 1.9× slower in
        // some forks), so every step is the 16 FMAs and one compare-and-branch.
        for (long i = 0; i < STEPS; i++) {
            a0 = a0.fma(vx, vy); a1 = a1.fma(vx, vy); a2 = a2.fma(vx, vy); a3 = a3.fma(vx, vy);
            a4 = a4.fma(vx, vy); a5 = a5.fma(vx, vy); a6 = a6.fma(vx, vy); a7 = a7.fma(vx, vy);
            a8 = a8.fma(vx, vy); a9 = a9.fma(vx, vy); a10 = a10.fma(vx, vy); a11 = a11.fma(vx, vy);
            a12 = a12.fma(vx, vy); a13 = a13.fma(vx, vy); a14 = a14.fma(vx, vy); a15 = a15.fma(vx, vy);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .add(a12).add(a13).add(a14).add(a15).lane(0);
    }
}
