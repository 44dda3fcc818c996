package delta4j.benchmarks;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How far apart two threads' cores are: the round trip of a cache line between two threads (each spins until the
 * other has written its turn), the median of several bursts. On a machine whose two cores share a cache the round trip
 * is tens of nanoseconds; a host that places a virtual machine's two cores on different dies makes it several times
 * as long, and with it every block of data that one core writes and the other reads or writes next. The two-thread
 * training step then runs up to twice as long while each core computes as fast as before (engine-cpu/README.md,
 * Threads, "When the two cores are far apart"); {@link StepProfile} prints this figure beside each round.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar delta4j.benchmarks.CoreDistance [SECONDS]} prints one figure every
 * half second for that long (default 10).
 */
public final class CoreDistance {

    private CoreDistance() {
    }

    private static final int BURST = 2000;

    /**
     * A round trip above this many nanoseconds means the host had placed the two cores far apart: between the near
     * and far figures of the 2-core build machine (engine-cpu/README.md, Threads, has them).
     */
    public static final double FAR_APART_NS = 200;

    /**
     * The median round trip in nanoseconds over {@code bursts} bursts of {@value #BURST} round trips, with a second
     * thread started for it. Spins on both threads for the whole measurement (a few milliseconds per ten bursts).
     */
    static double roundTripNanos(int bursts) {
        AtomicInteger turn = new AtomicInteger();
        int total = bursts * BURST;
        Thread other = new Thread(() -> {
            for (int i = 1; i < 2 * total; i += 2) {
                while (turn.get() != i) {
                    Thread.onSpinWait();
                }
                turn.set(i + 1);
            }
        }, "delta4j-core-distance");
        other.setDaemon(true);
        other.start();
        double[] nanos = new double[bursts];
        int t = 0;
        for (int b = 0; b < bursts; b++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < BURST; i++, t += 2) {
                turn.set(t + 1);
                while (turn.get() != t + 2) {
                    Thread.onSpinWait();
                }
            }
            nanos[b] = (System.nanoTime() - t0) / (double) BURST;
        }
        try {
            other.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Arrays.sort(nanos);
        return nanos[bursts / 2];
    }

    /** Prints the round trip every half second for SECONDS seconds (default 10). */
    public static void main(String[] args) throws InterruptedException {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        roundTripNanos(20); // the JIT's first compilations
        while (System.nanoTime() < end) {
            System.out.printf(Locale.ROOT, "%tT  round trip %.0f ns%n", System.currentTimeMillis(), roundTripNanos(10));
            Thread.sleep(500);
        }
    }
}
