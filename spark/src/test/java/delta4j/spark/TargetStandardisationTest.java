package delta4j.spark;

import delta4j.data.Dataset;
import delta4j.engine.Engine;
import delta4j.engine.reference.ReferenceEngine;
import delta4j.model.Mlp;
import delta4j.model.TrainingFixtures;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A regression's targets are standardised as {@link delta4j.model.Trainer} standardises them: μ and σ of the training
 * rows (after the validation split), training on (t − μ)/σ, predictions in the targets' units.
 */
class TargetStandardisationTest {

    /** TrainingFixtures.smoothRegression's targets moved far from zero and stretched: t·1000 + 50000. */
    static Dataset prices(int n, long seed) {
        Dataset d = TrainingFixtures.smoothRegression(n, seed);
        float[] y = d.targetMatrix().clone();
        for (int i = 0; i < y.length; i++) {
            y[i] = y[i] * 1000 + 50000;
        }
        return new Dataset(n, 3, 2, d.featureMatrix().clone(), y);
    }

    @Test
    void syncStandardisesTheTargetsAsTheTrainerDoesAndPredictsInTheirUnits() {
        Dataset data = prices(203, 1);
        MlpRegressor est = SyncEquivalenceTest.regressor("sync").setEngine("reference");
        MlpRegressionModel m = est.fit(TestData.frame(data, 2, false));
        Mlp single = LayersTest.trainer(est, data);
        Mlp spark = m.network();
        assertArrayEquals(single.targetStandardizer().mean(), spark.targetStandardizer().mean(), "μ of the same training rows, bit for bit");
        assertArrayEquals(single.targetStandardizer().scale(), spark.targetStandardizer().scale(), "σ likewise");
        assertTrue(spark.targetStandardizer().mean()[0] > 40000, "μ in the targets' units: " + spark.targetStandardizer().mean()[0]);
        double diff = TestData.relativeDifference(TrainingFixtures.flatParameters(single), TrainingFixtures.flatParameters(spark));
        assertTrue(diff < 1e-4, "sync vs Trainer with standardised targets: largest relative difference " + diff);
        assertTrue(m.summary().history().get(3).trainLoss() < 1, "the loss is the standardised targets' (as the Trainer's)");

        float[] expected;
        try (Engine e = new ReferenceEngine()) {
            expected = spark.predict(e, data.featureMatrix());
        }
        List<Row> rows = m.transform(TestData.frame(data, 2, false)).select("prediction").collectAsList();
        for (int i = 0; i < rows.size(); i++) {
            Vector p = (Vector) rows.get(i).get(0);
            assertEquals(expected[i * 2], p.apply(0), 0, "row " + i);
            assertEquals(expected[i * 2 + 1], p.apply(1), 0, "row " + i);
        }
        assertTrue(expected[0] > 40000, "predictions in the targets' units: " + expected[0]);
    }

    @Test
    void averageModeTrainsOnStandardisedTargets() {
        Dataset data = prices(203, 2);
        MlpRegressionModel m = SyncEquivalenceTest.regressor("average").setEpochs(8).setPatience(0).fit(TestData.frame(data, 2, false));
        var h = m.summary().history();
        assertTrue(h.get(h.size() - 1).trainLoss() < h.get(0).trainLoss(), "the loss falls: " + h);
        assertTrue(h.get(0).trainLoss() < 10, "on standardised targets the first epoch's loss is of order 1: " + h.get(0).trainLoss());
    }

    @Test
    void itCanBeTurnedOffAndIsRefusedWhereItDoesNotApply() {
        Dataset data = prices(60, 3);
        MlpRegressionModel off = SyncEquivalenceTest.regressor("sync").setStandardizeTargets(false).setEpochs(1).setPatience(0)
                .setLearningRate(1e-4).fit(TestData.frame(data, 2, false));
        assertNull(off.network().targetStandardizer());
        MlpRegressionModel l1 = SyncEquivalenceTest.regressor("sync").setLoss("l1").setEpochs(1).setPatience(0).fit(TestData.frame(data, 2, false));
        assertNull(l1.network().targetStandardizer(), "l1 trains on the targets' own units, as in the cli");
        var classes = TestData.frame(TrainingFixtures.threeClasses(40, 1, 1), 2, true);
        String m = assertThrows(IllegalArgumentException.class,
                () -> new MlpClassifier().setLayers(4, 8, 3).setStandardizeTargets(true).fit(classes)).getMessage();
        assertTrue(m.startsWith("param standardizeTargets applies to a regression with loss mse"), m);
    }
}
