package delta4j.cli.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import delta4j.engine.Loss;
import delta4j.model.EpochReport;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The --metrics-json schema, checked by parsing the text back. */
public class MetricsJsonTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static Set<String> keys(JsonNode n) {
        Set<String> s = new TreeSet<>();
        n.fieldNames().forEachRemaining(s::add);
        return s;
    }

    /** Checks a "test" object: loss and mse numbers, r2 and accuracy number or null. */
    public static void assertTestObject(JsonNode t) {
        assertTrue(t.isObject(), t::toString);
        assertEquals(t.has("micro_f1") ? Set.of("loss", "mse", "mae", "r2", "accuracy", "micro_f1", "macro_f1", "subset_accuracy",
                "label_accuracy", "label_f1") : Set.of("loss", "mse", "mae", "r2", "accuracy"), keys(t));
        assertTrue(t.get("loss").isNumber(), t::toString);
        assertTrue(t.get("mse").isNumber(), t::toString);
        assertTrue(t.get("mae").isNumber(), t::toString);
        assertTrue(t.get("r2").isNumber() || t.get("r2").isNull(), t::toString);
        assertTrue(t.get("accuracy").isNumber() || t.get("accuracy").isNull(), t::toString);
    }

    /** Checks a whole training report. */
    public static void assertTrainingReport(JsonNode root, int epochs, boolean validation, boolean test) {
        assertEquals(Set.of("engine", "device", "epochs", "test", "samples_per_second"), keys(root));
        assertTrue(root.get("engine").isTextual());
        assertTrue(root.get("device").isTextual());
        assertTrue(root.get("samples_per_second").isNumber());
        JsonNode e = root.get("epochs");
        assertTrue(e.isArray());
        assertEquals(epochs, e.size());
        for (int i = 0; i < e.size(); i++) {
            JsonNode ep = e.get(i);
            assertEquals(Set.of("epoch", "train_loss", "val_loss", "seconds"), keys(ep));
            assertTrue(ep.get("epoch").isInt());
            assertEquals(i + 1, ep.get("epoch").asInt());
            assertTrue(ep.get("train_loss").isNumber());
            assertTrue(validation ? ep.get("val_loss").isNumber() : ep.get("val_loss").isNull(), ep::toString);
            assertTrue(ep.get("seconds").isNumber());
        }
        if (test) {
            assertTestObject(root.get("test"));
        } else {
            assertTrue(root.get("test").isNull());
        }
    }

    @Test
    void trainingReportWithoutValidationOrTest() throws Exception {
        List<EpochReport> epochs = List.of(new EpochReport(1, 0.5, Double.NaN, 1e-3f, Double.NaN, 0.25, 100),
                new EpochReport(2, 0.25, Double.NaN, 1e-3f, Double.NaN, 0.2, 100));
        JsonNode root = JSON.readTree(MetricsJson.training("cpu", "2 threads, \"AVX2\"\n", epochs, null, 444.5));
        assertTrainingReport(root, 2, false, false);
        assertEquals("2 threads, \"AVX2\"\n", root.get("device").asText());
        assertEquals(0.25, root.get("epochs").get(1).get("train_loss").asDouble());
    }

    @Test
    void trainingReportWithValidationAndClassificationTest() throws Exception {
        List<EpochReport> epochs = List.of(new EpochReport(1, 0.5, 0.6, 1e-3f, Double.NaN, 0.25, 100));
        TestMetrics t = TestMetrics.score(Loss.SOFTMAX_CROSS_ENTROPY, new float[] {0.9f, 0.1f, 0.2f, 0.8f}, new float[] {1, 0, 1, 0}, 2, true);
        JsonNode root = JSON.readTree(MetricsJson.training("reference", "plain Java", epochs, t, 1e6));
        assertTrainingReport(root, 1, true, true);
        assertEquals(0.5, root.get("test").get("accuracy").asDouble());
        assertTrue(root.get("test").get("r2").isNull());
    }

    @Test
    void evalObjectForRegression() throws Exception {
        TestMetrics t = TestMetrics.score(Loss.MSE, new float[] {1, 2, 3}, new float[] {1, 2, 4}, 1, false);
        JsonNode root = JSON.readTree(MetricsJson.test(t));
        assertTestObject(root);
        assertTrue(root.get("accuracy").isNull());
        assertEquals(1.0 / 3, root.get("mse").asDouble(), 1e-12);
        assertEquals(0.5 / 3, root.get("loss").asDouble(), 1e-12);
        // t = 1, 2, 4: mean 7/3, SS_tot = 42/9, SS_res = 1
        assertEquals(1 - 9.0 / 42, root.get("r2").asDouble(), 1e-12);
    }

    @Test
    void evalObjectForMultiLabel() throws Exception {
        // Two samples, two labels: row 0 right on both; row 1 predicts label 0 (p 0.6) that is absent, misses label 1.
        TestMetrics t = TestMetrics.score(Loss.BINARY_CROSS_ENTROPY, new float[] {0.8f, 0.9f, 0.6f, 0.4f}, new float[] {1, 1, 0, 1}, 2, false);
        JsonNode root = JSON.readTree(MetricsJson.test(t));
        assertTestObject(root);
        assertTrue(root.get("accuracy").isNull());
        assertEquals(0.5, root.get("subset_accuracy").asDouble(), 1e-12);
        assertEquals(0.5, root.get("label_accuracy").get(0).asDouble(), 1e-12);
        assertEquals(0.5, root.get("label_accuracy").get(1).asDouble(), 1e-12);
        // TP 2, FP 1, FN 1: micro-F1 4/6; label 0 TP 1 FP 1 → 2/3, label 1 TP 1 FN 1 → 2/3
        assertEquals(2.0 / 3, root.get("micro_f1").asDouble(), 1e-12);
        assertEquals(2.0 / 3, root.get("macro_f1").asDouble(), 1e-12);
        double bce = -(Math.log(0.8f) + Math.log(0.9f) + Math.log(1 - (double) 0.6f) + Math.log(0.4f)) / 2;
        assertEquals(bce, root.get("loss").asDouble(), 1e-9);
        assertEquals((0.2f + 0.1f + 0.6f + 0.6f) / 4, root.get("mae").asDouble(), 1e-6);
    }

    @Test
    void benchObjects() throws Exception {
        var fields = new java.util.LinkedHashMap<String, Object>();
        fields.put("engine", "cpu");
        fields.put("size", 512);
        fields.put("layers", new int[] {784, 10});
        fields.put("gflops", Double.NaN);
        JsonNode root = JSON.readTree(MetricsJson.flat(fields));
        assertEquals(Map.of("engine", "cpu", "size", 512, "layers", List.of(784, 10)),
                Map.of("engine", root.get("engine").asText(), "size", root.get("size").asInt(),
                        "layers", List.of(root.get("layers").get(0).asInt(), root.get("layers").get(1).asInt())));
        assertTrue(root.get("gflops").isNull());
    }
}
