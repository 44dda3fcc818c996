package delta4j.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The regression and multi-label metrics against values worked out by hand. */
class MetricsTest {

    // Four samples, three labels. Thresholded at 0.5 (0.5 itself counts as present):
    //   row 0: predicted 1 0 1, target 1 0 0   label 0 TP, label 1 TN, label 2 FP
    //   row 1: predicted 0 1 0, target 1 1 0   label 0 FN, label 1 TP, label 2 TN
    //   row 2: predicted 1 0 0, target 1 0 0   all right
    //   row 3: predicted 0 1 0, target 0 0 0   label 1 FP
    // label 0: TP 2, FP 0, FN 1 → F1 4/5; label 1: TP 1, FP 1, FN 0 → F1 2/3; label 2: TP 0, FP 1, FN 0 → F1 0.
    static final float[] P = {
            0.9f, 0.2f, 0.5f,
            0.4f, 0.7f, 0.1f,
            0.6f, 0.3f, 0.2f,
            0.1f, 0.8f, 0.49f};
    static final float[] T = {
            1, 0, 0,
            1, 1, 0,
            1, 0, 0,
            0, 0, 0};

    @Test
    void meanAbsoluteErrorAveragesOverEveryElement() {
        assertEquals(2.0 / 3, Metrics.mae(new float[] {1, 2, 3}, new float[] {1, 2, 5}), 1e-12);
        assertEquals(1.25, Metrics.mae(new float[] {0, -1}, new float[] {0.5f, 1}), 1e-12);
        assertEquals(0, Metrics.mae(new float[] {3, 4}, new float[] {3, 4}));
        assertThrows(IllegalArgumentException.class, () -> Metrics.mae(new float[2], new float[3]));
    }

    @Test
    void labelAccuracyCountsEachColumnsRightDecisions() {
        assertArrayEquals(new double[] {0.75, 0.75, 0.75}, Metrics.labelAccuracy(P, T, 3), 1e-12);
        assertArrayEquals(new double[] {1, 0.5}, Metrics.labelAccuracy(new float[] {0.9f, 0.9f, 0.1f, 0.9f}, new float[] {1, 1, 0, 0}, 2), 1e-12);
    }

    @Test
    void subsetAccuracyNeedsEveryLabelOfARowRight() {
        assertEquals(0.25, Metrics.subsetAccuracy(P, T, 3), 1e-12);
        assertEquals(1, Metrics.subsetAccuracy(T, T, 3), 1e-12);
    }

    @Test
    void microF1PoolsTheCountsOfEveryLabel() {
        // TP 3, FP 2, FN 1: 6 / (6 + 3)
        assertEquals(2.0 / 3, Metrics.microF1(P, T, 3), 1e-12);
        assertEquals(1, Metrics.microF1(T, T, 3), 1e-12);
    }

    @Test
    void macroF1AveragesThePerLabelScores() {
        assertArrayEquals(new double[] {0.8, 2.0 / 3, 0}, Metrics.labelF1(P, T, 3, 0), 1e-12);
        assertEquals((0.8 + 2.0 / 3 + 0) / 3, Metrics.macroF1(P, T, 3), 1e-12);
    }

    @Test
    void aLabelWithNothingToFindAndNothingFoundScoresZeroDivision() {
        // Label 1 is never present and never predicted: TP + FP + FN = 0.
        float[] p = {0.9f, 0.1f, 0.2f, 0.3f}, t = {1, 0, 0, 0};
        assertArrayEquals(new double[] {1, 0}, Metrics.labelF1(p, t, 2, 0), 1e-12);
        assertArrayEquals(new double[] {1, 1}, Metrics.labelF1(p, t, 2, 1), 1e-12);
        assertEquals(0.5, Metrics.macroF1(p, t, 2), 1e-12, "scikit-learn's default: such a label counts 0");
        assertEquals(1, Metrics.macroF1(p, t, 2, 1), 1e-12);
        assertEquals(1, Metrics.microF1(p, t, 2), 1e-12, "the pooled counts are defined: label 0 found its one positive");
        float[] none = {0.1f, 0.2f, 0.3f, 0.4f}, zeros = new float[4];
        assertEquals(0, Metrics.microF1(none, zeros, 2), 1e-12);
        assertEquals(1, Metrics.microF1(none, zeros, 2, 1), 1e-12);
        assertEquals(1, Metrics.subsetAccuracy(none, zeros, 2), 1e-12);
    }

    @Test
    void mismatchedLengthsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Metrics.microF1(new float[3], new float[6], 3));
        assertThrows(IllegalArgumentException.class, () -> Metrics.subsetAccuracy(new float[3], new float[6], 3));
        assertThrows(IllegalArgumentException.class, () -> Metrics.labelAccuracy(new float[3], new float[6], 3));
    }
}
