package delta4j.spark;

import delta4j.data.Dataset;
import delta4j.engine.Engine;
import delta4j.engine.reference.ReferenceEngine;
import delta4j.io.ModelFile;
import delta4j.model.Mlp;
import delta4j.model.TrainingFixtures;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The classifier end to end: a Pipeline, predictions and probabilities, persistence, and the model file both ways. */
class ClassifierPipelineTest {

    static Dataset train;
    static Dataset test;
    static org.apache.spark.sql.Dataset<Row> trainFrame;
    static org.apache.spark.sql.Dataset<Row> testFrame;

    @BeforeAll
    static void data() {
        train = TrainingFixtures.threeClasses(600, 1, 1);
        test = TrainingFixtures.threeClasses(200, 2, 1);
        trainFrame = TestData.frame(train, 2, true);
        testFrame = TestData.frame(test, 2, true);
    }

    static MlpClassifier classifier(String mode) {
        return new MlpClassifier().setLayers(4, 32, 3).setActivations("relu").setLearningRate(0.01).setBatchSize(32)
                .setEpochs(15).setSeed(3).setMode(mode).setEngine("reference");
    }

    static double accuracy(org.apache.spark.sql.Dataset<Row> predictions) {
        return new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(predictions);
    }

    @Test
    void aPipelineFitsPredictsSavesAndLoads(@TempDir Path dir) throws Exception {
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[]{classifier("sync")});
        PipelineModel fitted = pipeline.fit(trainFrame);
        org.apache.spark.sql.Dataset<Row> predicted = fitted.transform(testFrame).cache();
        double acc = accuracy(predicted);
        assertTrue(acc > 0.9, "test accuracy " + acc);

        List<Row> rows = predicted.select("prediction", "probability").collectAsList();
        assertEquals(test.size(), rows.size());
        for (Row r : rows) {
            Vector p = (Vector) r.get(1);
            assertEquals(3, p.size());
            assertEquals(1.0, p.apply(0) + p.apply(1) + p.apply(2), 1e-5);
            assertEquals(p.argmax(), (int) r.getDouble(0), "the prediction is the most probable class");
        }

        String path = dir.resolve("pipeline").toString();
        fitted.write().overwrite().save(path);
        assertTrue(dir.resolve("pipeline/stages").toFile().isDirectory(), "Spark's pipeline layout");
        PipelineModel loaded = PipelineModel.load(path);
        MlpClassificationModel model = (MlpClassificationModel) loaded.stages()[0];
        assertEquals(fitted.stages()[0].uid(), model.uid());
        assertEquals("reference", model.getOrDefault(model.engine()), "params come back");
        List<Row> again = loaded.transform(testFrame).select("prediction", "probability").collectAsList();
        assertEquals(rows, again, "a loaded model predicts exactly as the fitted one");
        predicted.unpersist();
    }

    @Test
    void aModelTrainedOnSparkPredictsIdenticallyInPlainDelta4jAndBack(@TempDir Path dir) throws Exception {
        MlpClassificationModel m = classifier("sync").setEpochs(3).fit(trainFrame);
        Path file = dir.resolve("model.d4j");
        m.exportModel(file);
        Mlp plain = ModelFile.load(file);
        float[] x = test.featureMatrix();
        float[] expected;
        try (Engine e = new ReferenceEngine()) {
            expected = plain.predict(e, x);
        }
        List<Row> rows = m.transform(testFrame).select("probability").collectAsList();
        for (int i = 0; i < rows.size(); i++) {
            Vector p = (Vector) rows.get(i).get(0);
            double sum = 0;
            for (int j = 0; j < 3; j++) {
                sum += expected[i * 3 + j];
            }
            for (int j = 0; j < 3; j++) {
                assertEquals(expected[i * 3 + j] / sum, p.apply(j), 0, "row " + i + " class " + j);
            }
        }

        // Back: the model file, saved by Spark's writer inside its layout and read again as a Spark model.
        MlpClassificationModel back = MlpClassificationModel.fromModelFile(file).setEngine("reference");
        assertEquals(rows, back.transform(testFrame).select("probability").collectAsList());
        String saved = dir.resolve("spark-model").toString();
        m.save(saved);
        assertArrayEquals(java.nio.file.Files.readAllBytes(file), java.nio.file.Files.readAllBytes(Path.of(saved, ModelIo.MODEL_FILE)),
                "Spark's layout holds the delta4j model file byte for byte");
        assertTrue(MlpClassificationModel.load(saved).network().toString().equals(plain.toString()));
    }

    @Test
    void averageModeConverges() {
        MlpClassificationModel m = classifier("average").setAverageEvery(4).setEngine("cpu").fit(trainFrame);
        double acc = accuracy(m.transform(testFrame));
        assertTrue(acc > 0.9, "local SGD test accuracy " + acc);
        var h = m.summary().history();
        assertTrue(h.get(h.size() - 1).trainLoss() < h.get(0).trainLoss() / 2, "the loss falls: " + h);
        assertEquals(TrainingMode.AVERAGE, m.summary().mode());
    }

    @Test
    void earlyStoppingStopsAndKeepsTheBestEpochAsTheTrainerDoes() {
        MlpClassifier est = classifier("sync").setEpochs(30).setLearningRate(0.05).setValidationFraction(0.3).setPatience(2)
                .setBalancedBatches(false); // the trainer's batches, to compare with Trainer.fit
        MlpClassificationModel m = est.fit(trainFrame);
        Mlp single = est.initialModel();
        delta4j.model.TrainingResult r;
        try (Engine e = new ReferenceEngine()) {
            r = new delta4j.model.Trainer(e, est.settings().config()).fit(single, train);
        }
        FitSummary s = m.summary();
        assertEquals(delta4j.model.StopReason.EARLY_STOPPING, r.stopReason(), "the case this test is about");
        assertEquals(r.stopReason().name(), s.stopReason());
        assertEquals(r.epochs(), s.history().size());
        double diff = TestData.relativeDifference(TrainingFixtures.flatParameters(single), TrainingFixtures.flatParameters(m.network()));
        assertTrue(diff < 1e-4, "the best epoch's weights: largest relative difference " + diff);
    }

    @Test
    void badInputIsNamed() {
        var noLayers = assertThrows(IllegalArgumentException.class, () -> new MlpClassifier().fit(trainFrame));
        assertTrue(noLayers.getMessage().contains("setLayers"), noLayers.getMessage());
        var wrongWidth = assertThrows(Exception.class, () -> classifier("sync").setLayers(5, 8, 3).fit(trainFrame));
        assertTrue(rootMessage(wrongWidth).contains("5 inputs"), rootMessage(wrongWidth));
        var tooFewClasses = assertThrows(Exception.class, () -> classifier("sync").setLayers(4, 8, 2).setEpochs(1).fit(trainFrame));
        assertTrue(rootMessage(tooFewClasses).contains("class indices 0..1"), rootMessage(tooFewClasses));
        var column = assertThrows(IllegalArgumentException.class, () -> classifier("sync").setLabelCol("y").fit(trainFrame));
        assertTrue(column.getMessage().contains("no column 'y'"), column.getMessage());
        var mode = assertThrows(IllegalArgumentException.class, () -> classifier("ring").fit(trainFrame));
        assertTrue(mode.getMessage().contains("sync, average or aggregate"), mode.getMessage());
        var patience = assertThrows(IllegalArgumentException.class, () -> classifier("sync").setPatience(3).fit(trainFrame));
        assertTrue(patience.getMessage().contains("validationFraction"), patience.getMessage());
    }

    /** A barrier fit with more partitions than a local master's task slots fails at once instead of after Spark's slot checks. */
    @Test
    @org.junit.jupiter.api.condition.DisabledIf("delta4j.spark.LocalSpark#multiJvm")
    void morePartitionsThanLocalSlotsFailAtOnce() {
        long t0 = System.nanoTime();
        var slots = assertThrows(IllegalArgumentException.class, () -> classifier("sync").setEpochs(1).setNumPartitions(3).fit(trainFrame));
        assertTrue(slots.getMessage().contains("has 2 task slots: set numPartitions to at most 2"), slots.getMessage());
        assertTrue(System.nanoTime() - t0 < 30e9, "without waiting for Spark's slot checks");
        assertEquals(1, classifier("aggregate").setEpochs(1).setNumPartitions(3).fit(trainFrame).summary().history().size(),
                "aggregate runs one job per step, not a barrier stage: 3 partitions train on 2 slots");
    }

    @Test
    void localTaskSlotsFollowTheMaster() {
        assertEquals(1, MlpEstimator.localTaskSlots("local", 1, 8));
        assertEquals(4, MlpEstimator.localTaskSlots("local[4]", 1, 8));
        assertEquals(2, MlpEstimator.localTaskSlots("local[4]", 2, 8));
        assertEquals(8, MlpEstimator.localTaskSlots("local[*]", 1, 8));
        assertEquals(3, MlpEstimator.localTaskSlots("local[3,2]", 1, 8));
        assertEquals(8, MlpEstimator.localTaskSlots("local[*,4]", 1, 8));
        assertEquals(-1, MlpEstimator.localTaskSlots("local-cluster[2,2,1024]", 1, 8));
        assertEquals(-1, MlpEstimator.localTaskSlots("spark://host:7077", 1, 8));
        assertEquals(-1, MlpEstimator.localTaskSlots("yarn", 1, 8));
    }

    static String rootMessage(Throwable t) {
        StringBuilder all = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            all.append(c.getMessage()).append(" | ");
        }
        return all.toString();
    }
}
