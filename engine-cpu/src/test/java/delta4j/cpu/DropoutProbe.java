package delta4j.cpu;

import delta4j.engine.DropoutMask;

import java.util.Locale;

/**
 * A timing probe for the dropout kernel (not a unit test): {@link Dropout#dropout} called directly on a 128 × 512
 * block at p = 0.2, 3000 warm-up calls, then the best of 7 rounds of 300 calls, in microseconds per call.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp engine-api/target/classes:engine-cpu/target/classes:engine-cpu/target/test-classes \
 *      delta4j.cpu.DropoutProbe
 * </pre>
 */
public final class DropoutProbe {

    private DropoutProbe() {
    }

    public static void main(String[] args) {
        float[] x = new float[128 * 512], y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = i * 1e-3f;
        }
        int threshold = DropoutMask.threshold(0.2f);
        float scale = DropoutMask.scale(0.2f);
        for (int i = 0; i < 3000; i++) {
            Dropout.dropout(x, i, threshold, scale, y, 0, x.length);
        }
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 7; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 300; i++) {
                Dropout.dropout(x, i, threshold, scale, y, 0, x.length);
            }
            best = Math.min(best, (System.nanoTime() - t0) / 300e3);
        }
        System.out.printf(Locale.ROOT, "dropout 128x512, p 0.2: %.1f us per call (best of 7 rounds of 300)%n", best);
    }
}
