package delta4j.cli;

import delta4j.cli.io.CsvReader;
import delta4j.data.Dataset;
import delta4j.engine.Loss;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loss of the best prediction that ignores the features, per loss, against hand-worked values. */
class ChanceLevelTest {

    static final double[] COLUMN = {1, 2, 3, 10};

    @Test
    void l1ChanceIsTheMeanAbsoluteDeviationFromTheMedian() {
        // median 2.5: (1.5 + 0.5 + 0.5 + 7.5) / 4
        assertEquals(2.5, ChanceLevel.medianDeviation(COLUMN), 1e-12);
        assertEquals(2.0 / 3, ChanceLevel.medianDeviation(new double[] {1, 2, 3}), 1e-12);
    }

    @Test
    void huberChanceIsTheBestConstantsLoss() {
        // δ above every residual: the mean predictor, ½ Var = ½ · 12.5
        assertEquals(6.25, ChanceLevel.bestHuber(COLUMN, 100), 1e-9);
        // δ 1: the best constant c solves Σ clamp(c − t, −1, 1) = 0, c = 2.5 (between 2 and 3, residual 10 beyond δ):
        // ½·0.25 ... hand: |1 − c| = 1.5 → 1.0, |2 − c| = 0.5 → 0.125, |3 − c| = 0.5 → 0.125, |10 − c| = 7.5 → 7.0
        assertEquals((1.0 + 0.125 + 0.125 + 7.0) / 4, ChanceLevel.bestHuber(COLUMN, 1), 1e-9);
        assertEquals(0, ChanceLevel.bestHuber(new double[] {4, 4}, 1), 1e-12);
    }

    @Test
    void bceChanceSumsTheLabelsBinaryEntropies() {
        double h = -0.25 * Math.log(0.25) - 0.75 * Math.log(0.75);
        assertEquals(h, ChanceLevel.binaryEntropy(new double[] {1, 0, 0, 0}), 1e-12);
        assertEquals(0, ChanceLevel.binaryEntropy(new double[] {1, 1}), 1e-12);
        Dataset d = Dataset.of(new float[][] {{0}, {1}, {2}, {3}}, new float[][] {{1, 1, 0}, {0, 1, 0}, {0, 1, 0}, {0, 0, 0}});
        // label frequencies ¼, ¾, 0
        assertEquals(2 * h, ChanceLevel.of(Loss.BINARY_CROSS_ENTROPY, 0, d, CsvReader.Task.MULTILABEL, false), 1e-12);
    }

    @Test
    void l1AndHuberChanceAreSummedOverTargetColumns() {
        Dataset d = Dataset.of(new float[][] {{0}, {1}, {2}, {3}}, new float[][] {{1, 0}, {2, 0}, {3, 0}, {10, 4}});
        // column 2: median 0, deviations 0, 0, 0, 4 → 1
        assertEquals(2.5 + 1, ChanceLevel.of(Loss.L1, 0, d, CsvReader.Task.REGRESSION, false), 1e-12);
        double second = ChanceLevel.bestHuber(new double[] {0, 0, 0, 4}, 1);
        assertEquals(ChanceLevel.bestHuber(COLUMN, 1) + second, ChanceLevel.of(Loss.HUBER, 1, d, CsvReader.Task.REGRESSION, false), 1e-12);
        assertTrue(second > 0);
    }
}
