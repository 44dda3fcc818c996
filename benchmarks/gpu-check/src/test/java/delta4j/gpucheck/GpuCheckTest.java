package delta4j.gpucheck;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import delta4j.engine.EngineProvider;
import delta4j.opencl.GemmConfig;
import delta4j.opencl.GemmTuning;
import delta4j.opencl.OpenClEngineProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The GPU check's Java part, at toy sizes and two precisions: it tunes, times, spot-checks and writes its JSON. */
class GpuCheckTest {

    private static List<JsonNode> list(JsonNode array) {
        assertTrue(array != null && array.isArray(), "an array: " + array);
        List<JsonNode> l = new ArrayList<>();
        array.forEach(l::add);
        return l;
    }

    /**
     * Skips the test without OpenCL, or fails it when {@code DELTA4J_REQUIRE_OPENCL=true} (system property or
     * environment variable, as CI sets it): engine-opencl's OpenClTestSupport rule, which its test classes keep to
     * their package.
     */
    private static void requireOpenCl() {
        EngineProvider.Availability a = new OpenClEngineProvider().probe();
        if (!a.available()) {
            String v = System.getProperty("DELTA4J_REQUIRE_OPENCL", System.getenv("DELTA4J_REQUIRE_OPENCL"));
            if ("true".equalsIgnoreCase(v == null ? "" : v.trim())) {
                fail("DELTA4J_REQUIRE_OPENCL=true but OpenCL is not available: " + a.reason());
            }
            System.out.println("OpenCL tests skipped: " + a.reason());
            Assumptions.abort("OpenCL tests skipped: " + a.reason());
        }
    }

    @Test
    void quickRunWritesResults(@TempDir Path dir) throws Exception {
        requireOpenCl();
        Path json = dir.resolve("opencl.json");
        String old = System.getProperty(GemmTuning.DIR_PROPERTY);
        System.setProperty(GemmTuning.DIR_PROPERTY, dir.resolve("tuning").toString());
        try {
            // Tiles that engine-opencl's GemmTilesTest compiles too, so PoCL's kernel cache spares the builds.
            GpuCheck.main(new String[]{"--sizes", "32,64", "--variants-size", "40", "--tune-size", "64",
                    "--candidates", GemmConfig.CPU_DEFAULT + ",16x16x4/4x4/pad0",
                    "--mlp", "48,32,16", "--batch", "20", "--steps", "2", "--seconds", "0.01", "--precisions", "fp32,bf16",
                    "--optimizers", "sgd,adam", "--gather-rows", "24", "--json", json.toString()});
        } finally {
            if (old == null) {
                System.clearProperty(GemmTuning.DIR_PROPERTY);
            } else {
                System.setProperty(GemmTuning.DIR_PROPERTY, old);
            }
        }
        String out = Files.readString(json);
        JsonNode root = new ObjectMapper().readTree(out);
        List<JsonNode> gemms = list(root.get("sgemm")), mlps = list(root.get("mlp")), tuning = list(root.get("tuning"));
        List<JsonNode> gathers = list(root.get("gather"));
        assertEquals(List.of("floats", "bytes"), gathers.stream().map(g -> g.get("storage").asText()).toList(), "gathered once: " + out);
        assertTrue(gathers.stream().allMatch(g -> g.get("rows").asInt() == 24 && g.get("us_per_batch").asDouble() > 0
                && g.get("exact").asBoolean()), out);
        assertFalse(mlps.isEmpty(), out);
        assertTrue(mlps.stream().allMatch(m -> m.get("samples_per_s").asDouble() > 0 && m.get("losses").size() == 3 + 2), out);
        assertTrue(root.has("tuned"), out);
        assertTrue(gemms.stream().anyMatch(g -> g.get("variant").asText().equals("tt")), out);
        assertTrue(Stream.concat(gemms.stream(), tuning.stream()).allMatch(g -> g.get("correct").asBoolean()), out);
        assertTrue(root.properties().stream().noneMatch(e -> e.getKey().contains("_error")), out);
        assertTrue(gemms.stream().anyMatch(g -> g.get("precision").asText().equals("bf16")), out);
        assertTrue(mlps.stream().anyMatch(m -> m.get("optimizer").asText().equals("adam")), out);
        assertTrue(root.get("product_paths").get("bf16").asText().startsWith("bf16 "), "the product path of each precision: " + out);
        List<Path> cached;
        try (var s = Files.list(dir.resolve("tuning"))) {
            cached = s.toList();
        }
        assertEquals(1, cached.size(), "the winner must be cached, and no temporary file left: " + cached);
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
        // Both are written through the atomic writer: the permissions any new file gets, not a temporary file's 0600.
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            var plain = Files.getPosixFilePermissions(Files.createFile(dir.resolve("plain")));
            assertEquals(plain, Files.getPosixFilePermissions(json));
            assertEquals(plain, Files.getPosixFilePermissions(cached.getFirst()));
        }
    }
}
