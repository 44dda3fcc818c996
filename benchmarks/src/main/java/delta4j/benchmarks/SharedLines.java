package delta4j.benchmarks;

import java.util.Locale;

/**
 * What it costs a core to rewrite data that the other core has read: each of two threads rewrites its own 64 KiB
 * block (read, scale, store; as a row-wise kernel does its rows of a batch), once right after rewriting it itself and
 * once right after the other thread read it. Before the second can store into a line it must have the other core's
 * copy of it invalidated, which is what a split step pays wherever a kernel writes what the other thread read in the
 * kernels before (engine-cpu/README.md, Threads, "What crossing data costs, and A in place over Zin"). The
 * two threads meet at a spinning barrier between the phases; each figure is the slower thread's.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar delta4j.benchmarks.SharedLines [SECONDS]} prints one line every
 * half second for that long (default 10), with the round trip of {@link CoreDistance} measured after it.
 */
public final class SharedLines {

    private SharedLines() {
    }

    /** Floats of one thread's block: 64 KiB, the rows of a 128-row batch's 256-wide activation that a thread holds. */
    private static final int BLOCK = 1 << 14;

    private final float[] data = new float[2 * BLOCK];
    private final float[] sums = new float[64]; // each thread's read result, a line apart
    private volatile int phase;
    private volatile int done;

    /** Phase p's work for thread t: p % 3 == 0 reads the other's block, else rewrites its own. */
    private void work(int p, int t) {
        if (p % 3 == 0) {
            int o = (1 - t) * BLOCK;
            float s = 0;
            for (int i = o; i < o + BLOCK; i++) {
                s += data[i];
            }
            sums[t * 32] += s;
        } else {
            int o = t * BLOCK;
            for (int i = o; i < o + BLOCK; i++) {
                data[i] = data[i] * 0.5f + 1f;
            }
        }
    }

    /**
     * Mean µs of a rewrite after the other thread read the block, and after this thread rewrote it, over {@code rounds},
     * with a second thread started for it (so that no thread spins while {@link CoreDistance} measures).
     */
    private double[] measure(int rounds) throws InterruptedException {
        int first = phase; // read before the thread starts: the loop below moves on at once
        Thread other = new Thread(() -> {
            int seen = first;
            while (true) {
                int p;
                while ((p = phase) == seen) {
                    Thread.onSpinWait();
                }
                if (p < 0) {
                    return;
                }
                work(p, 1);
                seen = p;
                done = p;
            }
        }, "delta4j-shared-lines");
        other.setDaemon(true);
        other.start();
        long afterOther = 0, afterOwn = 0;
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 3; k++) {
                int p = phase + 1;
                long t0 = System.nanoTime();
                phase = p;
                work(p, 0);
                while (done != p) {
                    Thread.onSpinWait();
                }
                long t = System.nanoTime() - t0;
                if (p % 3 == 1) {
                    afterOther += t;
                } else if (p % 3 == 2) {
                    afterOwn += t;
                }
            }
        }
        int last = phase;
        phase = -1;
        other.join();
        phase = last;
        return new double[] {afterOther / 1e3 / rounds, afterOwn / 1e3 / rounds};
    }

    /** Prints the two rewrite times every half second for SECONDS seconds (default 10). */
    public static void main(String[] args) throws InterruptedException {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        SharedLines s = new SharedLines();
        s.measure(2000); // the JIT's compilations
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            double[] us = s.measure(2000);
            System.out.printf(Locale.ROOT, "%tT  rewriting 64 KiB: %.1f µs after the other core read it, %.1f µs after this"
                    + " core wrote it; round trip %.0f ns%n", System.currentTimeMillis(), us[0], us[1],
                    CoreDistance.roundTripNanos(10));
            Thread.sleep(500);
        }
    }
}
