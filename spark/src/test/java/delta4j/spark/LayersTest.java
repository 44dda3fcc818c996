package delta4j.spark;

import delta4j.data.Dataset;
import delta4j.engine.Engine;
import delta4j.engine.Engines;
import delta4j.engine.Loss;
import delta4j.engine.reference.ReferenceEngine;
import delta4j.model.Mlp;
import delta4j.model.Normalization;
import delta4j.model.Trainer;
import delta4j.model.TrainingFixtures;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Normalisation, dropout and the losses beyond MSE and cross-entropy through the estimators: {@code sync} is
 * single-process training with them too (dropout masks drawn at the rows' global batch positions, batch statistics
 * over the global batch, the same running statistics), {@code average} trains with them, and a model with normalised
 * layers survives Spark's persistence and the delta4j model file.
 */
class LayersTest {

    /** W, b, γ of every layer, then the running statistics of the batch-normalised ones. */
    static float[] everything(Mlp m) {
        List<float[]> parts = new ArrayList<>();
        for (int l = 0; l < m.depth(); l++) {
            parts.add(m.weights(l));
            parts.add(m.biases(l));
            if (m.normalization(l) != Normalization.NONE) {
                parts.add(m.gains(l));
            }
        }
        for (int l = 0; l < m.depth(); l++) {
            if (m.normalization(l) == Normalization.BATCH) {
                parts.add(m.runningMean(l));
                parts.add(m.runningVariance(l));
            }
        }
        int n = parts.stream().mapToInt(p -> p.length).sum(), at = 0;
        float[] all = new float[n];
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    static <E extends MlpEstimator<E, ?>> Mlp trainer(E est, Dataset data) {
        Mlp single = est.initialModel();
        try (Engine e = Engines.create("cpu", new delta4j.engine.EngineConfig(1, null))) {
            new Trainer(e, est.settings().config()).fit(single, data);
        }
        return single;
    }

    static void assertSameTraining(Mlp expected, Mlp actual, String what) {
        float[] a = everything(expected), b = everything(actual);
        assertEquals(a.length, b.length);
        double diff = TestData.relativeDifference(a, b);
        assertTrue(diff < 1e-4, what + ": largest relative difference " + diff);
    }

    static MlpRegressor regressor() {
        return new MlpRegressor().setLayers(3, 16, 16, 2).setActivations("tanh").setOptimizer("adam").setLearningRate(0.01)
                .setBatchSize(32).setEpochs(4).setSeed(5).setValidationFraction(0.2).setEngine("cpu")
                .setBalancedBatches(false); // the trainer's batches: the tests compare with Trainer.fit
    }

    @Test
    void syncWithBatchNormAndDropoutIsTheTrainersTraining() {
        Dataset data = TrainingFixtures.smoothRegression(203, 1); // uneven partitions and a partial last batch
        MlpRegressor est = regressor().setNormalization("batch").setDropout(0.25).setMode("sync");
        MlpRegressionModel m = est.fit(TestData.frame(data, 2, false));
        Mlp single = trainer(est, data);
        assertEquals(Normalization.BATCH, m.network().normalization(0));
        assertNotEquals(0f, m.network().runningMean(0)[0], "the running statistics moved and came back to the driver");
        assertSameTraining(single, m.network(), "sync with batch norm and dropout vs Trainer (weights, gains, running statistics)");
    }

    @Test
    void syncWithBatchNormIsTheTrainersTrainingWhenAPartitionHasNoRowOfAStep() {
        // Batches of 3 over 2 partitions: some steps leave a partition without rows, which must still take part in
        // the batch statistics' sums and move its running statistics.
        Dataset data = TrainingFixtures.smoothRegression(90, 4);
        MlpRegressor est = regressor().setNormalization("batch").setDropout(0.1).setBatchSize(3).setEpochs(1).setValidationFraction(0)
                .setLoss("huber:0.5").setMode("sync");
        Layout layout = new Layout(new int[]{45, 45}, 0, 5);
        int[] order = delta4j.model.Replica.epochOrder(90, est.settings().config(), 1);
        int without = 0;
        for (int step = 0; step < 30; step++) {
            int first = 0;
            for (int i = 0; i < 3; i++) {
                first += layout.owns(0, order[step * 3 + i]) ? 1 : 0;
            }
            without += first == 0 || first == 3 ? 1 : 0;
        }
        assertTrue(without > 0, "the case this test is about: a step without rows of one partition");
        MlpRegressionModel m = est.fit(TestData.frame(data, 2, false));
        assertEquals(2, m.summary().partitions());
        assertSameTraining(trainer(est, data), m.network(), "sync, batches of 3 with steps one partition sits out, huber");
    }

    @Test
    void syncMultiLabelWithLayerNormAndDropoutIsTheTrainersTraining() {
        Dataset data = multiLabel(160, 7);
        MlpClassifier est = new MlpClassifier().setLayers(4, 12, 3).setLoss("bce").setNormalization("layer").setDropout(0.2)
                .setLearningRate(0.02).setBatchSize(16).setEpochs(3).setSeed(9).setEngine("cpu").setMode("sync").setBalancedBatches(false);
        MlpClassificationModel m = est.fit(multiLabelFrame(data, 2));
        assertEquals(Loss.BINARY_CROSS_ENTROPY, m.network().loss());
        assertSameTraining(trainer(est, data), m.network(), "sync multi-label vs Trainer");
        List<Row> rows = m.transform(multiLabelFrame(data, 2)).select("prediction", "probability").collectAsList();
        for (Row r : rows) {
            Vector labels = (Vector) r.get(0), p = (Vector) r.get(1);
            assertEquals(3, labels.size());
            for (int j = 0; j < 3; j++) {
                assertEquals(p.apply(j) >= 0.5 ? 1.0 : 0.0, labels.apply(j), "a label is on where its sigmoid output is at least 0.5");
            }
        }
    }

    @Test
    void oneSigmoidOutputWithBceTakesANumericLabelOf0Or1() {
        Dataset data = multiLabel(80, 3);
        float[] labels = column(data.targetMatrix(), 3, 0);
        MlpClassificationModel m = new MlpClassifier().setLayers(4, 8, 1).setLoss("bce").setEpochs(2).setBatchSize(16).setEngine("cpu")
                .fit(numericLabelFrame(data.featureMatrix(), labels));
        assertEquals(1, m.network().outputs());
        labels[5] = 2;
        Exception e = assertThrows(Exception.class, () -> new MlpClassifier().setLayers(4, 8, 1).setLoss("bce").setEpochs(1)
                .fit(numericLabelFrame(data.featureMatrix(), labels)));
        assertTrue(ClassifierPipelineTest.rootMessage(e).contains("holds 2.0: loss bce with one output needs labels of 0 or 1"),
                ClassifierPipelineTest.rootMessage(e));
    }

    static org.apache.spark.sql.Dataset<Row> numericLabelFrame(float[] x, float[] labels) {
        List<Row> rows = new ArrayList<>();
        int f = x.length / labels.length;
        for (int i = 0; i < labels.length; i++) {
            double[] v = new double[f];
            for (int j = 0; j < f; j++) {
                v[j] = x[i * f + j];
            }
            rows.add(RowFactory.create(Vectors.dense(v), (double) labels[i]));
        }
        var spark = LocalSpark.get();
        return spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, 2), TestData.CLASS_LABEL);
    }

    static float[] column(float[] m, int cols, int j) {
        float[] c = new float[m.length / cols];
        for (int i = 0; i < c.length; i++) {
            c[i] = m[i * cols + j];
        }
        return c;
    }

    @Test
    void theTreeAggregateBaselineDrawsTheTrainersDropoutMasks() {
        Dataset data = TrainingFixtures.smoothRegression(120, 2);
        MlpRegressor est = regressor().setNormalization("layer").setDropout(0.3).setLoss("l1").setEpochs(2).setMode("aggregate");
        MlpRegressionModel m = est.fit(TestData.frame(data, 2, false));
        assertSameTraining(trainer(est, data), m.network(), "aggregate with dropout vs Trainer");
    }

    @Test
    void averageModeTrainsWithBatchNormAndDropout() {
        Dataset train = TrainingFixtures.threeClasses(600, 1, 1), test = TrainingFixtures.threeClasses(200, 2, 1);
        MlpClassificationModel m = new MlpClassifier().setLayers(4, 32, 3).setNormalization("batch").setDropout(0.1).setLearningRate(0.01)
                .setBatchSize(32).setEpochs(15).setSeed(3).setMode("average").setAverageEvery(4).setEngine("cpu")
                .fit(TestData.frame(train, 2, true));
        double acc = ClassifierPipelineTest.accuracy(m.transform(TestData.frame(test, 2, true)));
        assertTrue(acc > 0.85, "local SGD with batch norm and dropout: test accuracy " + acc);
        var h = m.summary().history();
        assertTrue(h.get(h.size() - 1).trainLoss() < h.get(0).trainLoss(), "the loss falls: " + h);
        assertNotEquals(1f, m.network().runningVariance(0)[0], "the averaged running statistics came back");
    }

    @Test
    void aModelWithNormalisedLayersSavesLoadsAndPredictsAsPlainDelta4j(@TempDir Path dir) throws Exception {
        Dataset train = TrainingFixtures.threeClasses(300, 1, 1), test = TrainingFixtures.threeClasses(100, 2, 1);
        var testFrame = TestData.frame(test, 2, true);
        MlpClassificationModel m = new MlpClassifier().setLayers(4, 16, 16, 3).setActivations("relu", "gelu").setNormalization("batch")
                .setDropout(0.2).setLearningRate(0.01).setBatchSize(32).setEpochs(3).setSeed(3).setMode("sync").setEngine("reference")
                .fit(TestData.frame(train, 2, true));
        List<Row> rows = m.transform(testFrame).select("prediction", "probability").collectAsList();

        String saved = dir.resolve("spark-model").toString();
        m.write().overwrite().save(saved);
        MlpClassificationModel loaded = MlpClassificationModel.load(saved);
        assertArrayEquals(everything(m.network()), everything(loaded.network()), "γ and the running statistics come back");
        assertEquals(rows, loaded.transform(testFrame).select("prediction", "probability").collectAsList(),
                "a loaded model predicts exactly as the fitted one");

        Path file = dir.resolve("model.d4j");
        m.exportModel(file);
        Mlp plain = Mlp.load(file);
        assertEquals(Normalization.BATCH, plain.normalization(1));
        assertEquals(0.2f, plain.dropout(0));
        float[] expected;
        try (Engine e = new ReferenceEngine()) {
            expected = plain.predict(e, test.featureMatrix());
        }
        for (int i = 0; i < rows.size(); i++) {
            Vector p = (Vector) rows.get(i).get(1);
            double sum = (double) expected[i * 3] + expected[i * 3 + 1] + expected[i * 3 + 2];
            for (int j = 0; j < 3; j++) {
                assertEquals(expected[i * 3 + j] / sum, p.apply(j), 0, "row " + i + " class " + j);
            }
        }
    }

    @Test
    void badLayerParamsAreNamed() {
        var frame = TestData.frame(TrainingFixtures.smoothRegression(40, 1), 2, false);
        String norm = assertThrows(IllegalArgumentException.class, () -> regressor().setNormalization("group").fit(frame)).getMessage();
        assertTrue(norm.startsWith("param normalization: ") && norm.contains("none, layer, batch") && !norm.contains("\n"), norm);
        String drop = assertThrows(IllegalArgumentException.class, () -> regressor().setDropout(1).fit(frame)).getMessage();
        assertTrue(drop.startsWith("param dropout is 1.0"), drop);
        String huber = assertThrows(IllegalArgumentException.class, () -> regressor().setLoss("huber:-1").fit(frame)).getMessage();
        assertTrue(huber.startsWith("param loss: ") && huber.contains("above 0"), huber);
        String unknown = assertThrows(IllegalArgumentException.class, () -> regressor().setLoss("hinge").fit(frame)).getMessage();
        assertTrue(unknown.startsWith("param loss: ") && unknown.contains("huber"), unknown);
        String output = assertThrows(IllegalArgumentException.class, () -> regressor().setLoss("bce").fit(frame)).getMessage();
        assertTrue(output.startsWith("param loss: ") && !output.contains("\n"), output);
        String hidden = assertThrows(IllegalArgumentException.class, () -> regressor().setActivations("softmax").fit(frame)).getMessage();
        assertTrue(hidden.startsWith("param activations: softmax is only allowed on the output layer"), hidden);
        String aggregate = assertThrows(IllegalArgumentException.class,
                () -> regressor().setNormalization("batch").setMode("aggregate").fit(frame)).getMessage();
        assertTrue(aggregate.startsWith("param normalization: ") && aggregate.contains("set mode sync"), aggregate);
        String noHidden = assertThrows(IllegalArgumentException.class, () -> regressor().setLayers(3, 2).setDropout(0.5).fit(frame)).getMessage();
        assertTrue(noHidden.startsWith("param dropout: ") && noHidden.contains("no hidden layer"), noHidden);
        String batch = assertThrows(IllegalArgumentException.class,
                () -> regressor().setNormalization("batch").setBatchSize(1).fit(frame)).getMessage();
        assertTrue(batch.startsWith("param batchSize is 1"), batch);
        String lastBatch = assertThrows(IllegalArgumentException.class, // 32 training rows (40 less 8 held out)
                () -> regressor().setNormalization("batch").setBatchSize(31).fit(frame)).getMessage();
        assertTrue(lastBatch.startsWith("param batchSize is 31: the 32 training rows leave a last batch of 1 row"), lastBatch);
        String average = assertThrows(IllegalArgumentException.class,
                () -> regressor().setNormalization("batch").setBatchSize(3).setMode("average").fit(frame)).getMessage();
        assertTrue(average.startsWith("param batchSize is 3: mode average steps each of the 2 partitions on batchSize / partitions = 1 rows"),
                average);
        var classFrame = TestData.frame(TrainingFixtures.threeClasses(40, 1, 1), 2, true);
        Exception bce = assertThrows(Exception.class, () -> new MlpClassifier().setLayers(4, 8, 3).setLoss("bce").setEpochs(1).fit(classFrame));
        assertTrue(ClassifierPipelineTest.rootMessage(bce).contains("loss bce (multi-label) needs a vector of 3 labels"),
                ClassifierPipelineTest.rootMessage(bce));
    }

    /** Three overlapping 0/1 labels of four features. */
    static Dataset multiLabel(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n * 4], y = new float[n * 3];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 4; j++) {
                x[i * 4 + j] = (float) (rnd.nextDouble() * 2 - 1);
            }
            y[i * 3] = x[i * 4] + x[i * 4 + 1] > 0 ? 1 : 0;
            y[i * 3 + 1] = x[i * 4 + 2] > 0.3f ? 1 : 0;
            y[i * 3 + 2] = x[i * 4] * x[i * 4 + 3] > 0 ? 1 : 0;
        }
        return new Dataset(n, 4, 3, x, y);
    }

    static org.apache.spark.sql.Dataset<Row> multiLabelFrame(Dataset d, int partitions) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) {
            rows.add(RowFactory.create(Vectors.dense(TestData.toDouble(d.featureRow(i))), Vectors.dense(TestData.toDouble(d.targetRow(i)))));
        }
        var spark = LocalSpark.get();
        return spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, partitions), TestData.VECTOR_LABEL);
    }
}
