package delta4j.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stand-in's shapes keep what decides a product's code path and are small otherwise. */
class PrewarmShapeTest {

    @Test
    void narrowWidthsKeepTheRemainderModulo96AndTheSidesOf16AndTheDepthBlock() {
        assertEquals(304, Prewarm.narrowWidth(784, 256));
        assertEquals(592, Prewarm.narrowWidth(784, 512));
        assertEquals(112, Prewarm.narrowWidth(784, 0));
        assertEquals(64, Prewarm.narrowWidth(256, 256));
        assertEquals(32, Prewarm.narrowWidth(128, 256));
        assertEquals(10, Prewarm.narrowWidth(10, 256));
        for (int depth : new int[] {0, 128, 256, 512}) {
            for (int w = 1; w <= 5000; w++) {
                int n = Prewarm.narrowWidth(w, depth);
                assertEquals(w % 96, n % 96, "width " + w);
                assertEquals(w <= 16, n <= 16, "width " + w);
                assertEquals(w > depth, n > depth, "width " + w + ", depth block " + depth);
                assertTrue(n <= Math.min(w, Math.max(depth, 16) + 96), "width " + w + " became " + n);
            }
        }
    }

    @Test
    void theBatchKeepsItsRemainderModulo12AndIsSmall() {
        assertEquals(20, Prewarm.standInBatch(128));
        assertEquals(12, Prewarm.standInBatch(60));
        assertEquals(7, Prewarm.standInBatch(7));
        for (int b = 1; b <= 5000; b++) {
            int s = Prewarm.standInBatch(b);
            assertEquals(b % 12, s % 12, "batch " + b);
            assertTrue(s >= 1 && s <= Math.min(b, 24), "batch " + b + " became " + s);
        }
    }
}
