package delta4j.cli;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * Runs a piece of work until its timings settle, so that what {@code delta4j bench} reports is the engine's
 * compiled speed and not the JIT's progress through it.
 *
 * <p>Settled means: the JIT compiled nothing while the last window of {@link #WINDOW} runs ran, and that
 * window's median lies within {@link #TOLERANCE} of the window before it. The Vector API kernels run for a
 * while in the interpreter and in C1 code whose timings can look steady, which is why the compiler's
 * activity is part of the test and a fixed number of warm-up runs is not enough. At least {@code minRuns}
 * runs are made, and warming stops at {@code maxNanos} even if the timings still move (the result says so).
 */
final class WarmUp {

    /** Runs per window. */
    static final int WINDOW = 5;
    /** Largest relative change between the medians of two consecutive windows that counts as settled. */
    static final double TOLERANCE = 0.03;

    /** How warming up ended. */
    enum Outcome { SETTLED, NOT_SETTLED, NOT_CHECKED }

    /** What warming up did: runs, time, how it ended, and the last relative change between windows. */
    record Result(int runs, double seconds, Outcome outcome, double lastChange) {
        boolean settled() {
            return outcome == Outcome.SETTLED;
        }

        String describe() {
            return switch (outcome) {
                case SETTLED -> String.format(java.util.Locale.ROOT, "settled after %d warm-up runs in %.1f s", runs, seconds);
                case NOT_SETTLED -> String.format(java.util.Locale.ROOT, "NOT settled after %d warm-up runs in %.1f s: the "
                        + "last two windows differed by %.0f %% or the JIT was still compiling; raise --settle-seconds",
                        runs, seconds, lastChange * 100);
                case NOT_CHECKED -> String.format(java.util.Locale.ROOT, "%d warm-up runs, not checked for settling "
                        + "(--settle-seconds 0): may be below the engine's compiled speed", runs);
            };
        }
    }

    private final LongSupplier nanoTime;
    private final LongSupplier compileMillis;

    WarmUp() {
        this(System::nanoTime, jitMillis());
    }

    /** With the clock and the JIT's total compilation time given, for tests. */
    WarmUp(LongSupplier nanoTime, LongSupplier compileMillis) {
        this.nanoTime = nanoTime;
        this.compileMillis = compileMillis;
    }

    /**
     * Runs {@code work} (which includes waiting for the engine) until settled, at least {@code minRuns} times,
     * and stops warming after {@code maxNanos} (0: just the {@code minRuns} runs).
     */
    Result run(Runnable work, int minRuns, long maxNanos) {
        long start = nanoTime.getAsLong();
        if (maxNanos == 0) {
            for (int i = 0; i < minRuns; i++) {
                work.run();
            }
            return new Result(minRuns, seconds(start), Outcome.NOT_CHECKED, Double.NaN);
        }
        double[] previous = null;
        double[] window = new double[WINDOW];
        int runs = 0;
        double change = Double.NaN;
        while (true) {
            long compiledBefore = compileMillis.getAsLong();
            for (int i = 0; i < WINDOW; i++) {
                long t0 = nanoTime.getAsLong();
                work.run();
                window[i] = nanoTime.getAsLong() - t0;
                runs++;
            }
            boolean jitQuiet = compileMillis.getAsLong() == compiledBefore;
            if (previous != null) {
                double before = median(previous);
                change = Math.abs(median(window) - before) / Math.max(before, 1);
                if (jitQuiet && change <= TOLERANCE && runs >= minRuns) {
                    return new Result(runs, seconds(start), Outcome.SETTLED, change);
                }
                if (!jitQuiet) {
                    change = Math.max(change, TOLERANCE);
                }
            }
            previous = window.clone();
            if (runs >= minRuns && nanoTime.getAsLong() - start >= maxNanos) {
                return new Result(runs, seconds(start), Outcome.NOT_SETTLED, Double.isNaN(change) ? 0 : change);
            }
        }
    }

    private double seconds(long start) {
        return (nanoTime.getAsLong() - start) / 1e9;
    }

    static double median(double[] values) {
        double[] t = values.clone();
        Arrays.sort(t);
        int n = t.length;
        return n % 2 == 1 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
    }

    /** The JVM's total JIT compilation time in ms, or a constant where the JVM does not report it. */
    private static LongSupplier jitMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return () -> 0;
        }
        return jit::getTotalCompilationTime;
    }
}
