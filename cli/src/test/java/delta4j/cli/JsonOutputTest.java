package delta4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import delta4j.cli.report.MetricsJsonTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JSON files the commands write, end to end. */
class JsonOutputTest {

    @TempDir
    Path dir;

    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void trainAndEvalMetricsJson() throws Exception {
        Path csv = dir.resolve("d.csv");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            sb.append(i % 7).append(',').append(i % 3).append(',').append(i % 2 == 0 ? "even" : "odd").append('\n');
        }
        Files.writeString(csv, sb);
        Path model = dir.resolve("m.d4j"), train = dir.resolve("train.json"), eval = dir.resolve("eval.json");
        Cli.Result r = Cli.run("train", "--data", csv.toString(), "--test", csv.toString(), "--task", "classification", "--layers", "2,4,2",
                "--epochs", "3", "--validation", "0.2", "--out", model.toString(), "--metrics-json", train.toString());
        assertEquals(0, r.exit(), r::toString);
        MetricsJsonTest.assertTrainingReport(JSON.readTree(train.toFile()), 3, true, true);

        Cli.Result e = Cli.run("eval", "--model", model.toString(), "--data", csv.toString(), "--metrics-json", eval.toString());
        assertEquals(0, e.exit(), e::toString);
        JsonNode t = JSON.readTree(eval.toFile());
        MetricsJsonTest.assertTestObject(t);
        assertTrue(t.get("accuracy").isNumber());
    }

    @Test
    void benchJson() throws Exception {
        Path g = dir.resolve("g.json");
        Cli.Result r = Cli.run("bench", "gemm", "--engine", "reference", "--size", "16", "--threads", "1", "--warmup", "0", "--runs", "1",
                "--precision", "bf16", "--json", g.toString());
        assertEquals(0, r.exit(), r::toString);
        JsonNode root = JSON.readTree(g.toFile());
        Set<String> keys = new TreeSet<>();
        root.fieldNames().forEachRemaining(keys::add);
        assertEquals(Set.of("engine", "device", "precision", "size", "threads", "gflops", "warmup_runs", "settled"), keys);
        assertEquals("reference", root.get("engine").asText());
        assertEquals("bf16", root.get("precision").asText());
        assertTrue(root.get("device").isTextual());
        assertEquals(16, root.get("size").asInt());
        assertEquals(1, root.get("threads").asInt());
        assertTrue(root.get("gflops").isNumber());
        assertTrue(root.get("warmup_runs").asInt() >= 10, root::toString);
        assertTrue(root.get("settled").isBoolean());
    }
}
