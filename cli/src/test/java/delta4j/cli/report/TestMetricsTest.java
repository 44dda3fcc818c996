package delta4j.cli.report;

import delta4j.engine.Loss;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The test loss of every loss as the kernels define it, and the summaries. */
class TestMetricsTest {

    // Two samples of one target: residuals y − t = 1 and −2.
    static final float[] Y = {1, 2}, T = {0, 4};

    @Test
    void l1LossIsTheSumOfAbsoluteErrorsPerSample() {
        TestMetrics m = TestMetrics.score(Loss.L1, Y, T, 1, false);
        assertEquals(1.5, m.loss(), 1e-12);
        assertEquals(1.5, m.mae(), 1e-12);
        assertEquals(2.5, m.mse(), 1e-12);
        assertTrue(m.summary().contains("MAE 1.50000"), m.summary());
    }

    @Test
    void huberLossIsQuadraticUpToDeltaAndLinearBeyond() {
        // δ 1: ½·1² = 0.5 and 1·(2 − ½) = 1.5 → 1.0 per sample
        assertEquals(1.0, TestMetrics.score(Loss.HUBER, 1f, Y, T, 1, false, null).loss(), 1e-12);
        // δ 0.5: 0.5·(1 − 0.25) = 0.375 and 0.5·(2 − 0.25) = 0.875 → 0.625
        assertEquals(0.625, TestMetrics.score(Loss.HUBER, 0.5f, Y, T, 1, false, null).loss(), 1e-12);
        // δ 3: both quadratic, ½(1 + 4) / 2 = 1.25, the mse loss
        assertEquals(1.25, TestMetrics.score(Loss.HUBER, 3f, Y, T, 1, false, null).loss(), 1e-12);
        assertEquals(1.0, TestMetrics.score(Loss.HUBER, Y, T, 1, false).loss(), 1e-12, "δ 1 by default");
    }

    @Test
    void binaryCrossEntropySumsOverLabelsAndStaysFiniteForSaturatedProbabilities() {
        float[] p = {0.8f, 0.1f, 1f, 0f}, t = {1, 0, 0, 0};
        TestMetrics m = TestMetrics.score(Loss.BINARY_CROSS_ENTROPY, p, t, 2, false);
        double expected = (-Math.log(0.8f) - Math.log(1 - (double) 0.1f) - Math.log(Float.MIN_NORMAL) - 0) / 2;
        assertEquals(expected, m.loss(), 1e-9);
        assertTrue(Double.isFinite(m.loss()));
        assertTrue(m.isMultiLabel());
        assertFalse(m.isClassification());
        assertNull(m.confusion());
        assertEquals(0.5, m.multiLabel().subsetAccuracy(), 1e-12);
        assertEquals(0.75, m.multiLabel().meanLabelAccuracy(), 1e-12);
        // label a: TP 1, FP 1 → F1 2/3; label b: never present, never predicted → 0 (scikit-learn's default)
        assertTrue(m.summary().startsWith("micro-F1 0.6667, macro-F1 0.3333, exact match 50.00%, loss "), m.summary());
        assertEquals(List.of("  a     accuracy  50.00%, F1 0.6667", "  bbbb  accuracy 100.00%, F1 0.0000"), m.labelLines(List.of("a", "bbbb")));
    }
}
