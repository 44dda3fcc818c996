package delta4j.spark;

import delta4j.engine.Engine;
import delta4j.engine.EngineProvider;
import delta4j.engine.Engines;
import delta4j.engine.reference.ReferenceEngine;
import delta4j.model.Mlp;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** A task's GPU address from Spark's resource scheduling becomes the opencl engine's device. */
class DevicesTest {

    static Map<String, ResourceInformation> gpu(String... addresses) {
        return Map.of(Devices.GPU, new ResourceInformation(Devices.GPU, addresses));
    }

    @Test
    void theFirstAssignedGpuAddressIsTheOpenClDevice() {
        assertEquals("1", Devices.forTask("opencl", gpu("1", "2")));
        assertEquals("0", Devices.forTask("OpenCL", gpu(" 0 ")));
        assertNull(Devices.forTask("cpu", gpu("1")), "only the opencl engine opens GPUs");
        assertNull(Devices.forTask("opencl", Map.of()), "a task without a GPU: the engine's default device");
        assertNull(Devices.forTask("opencl", (Map<String, ResourceInformation>) null));
        var bad = assertThrows(IllegalArgumentException.class, () -> Devices.forTask("opencl", gpu("GPU-6b1f")));
        assertTrue(bad.getMessage().contains("discovery script"), bad.getMessage());
    }

    @Test
    void aFakeGpuAddressOpensThatOpenClDevice() {
        String why = null;
        for (Engines.Found f : Engines.list()) {
            if (f.name().equals("opencl")) {
                EngineProvider.Availability a = f.availability();
                why = a.available() ? null : a.reason();
            }
        }
        if (why != null) {
            String required = System.getProperty("DELTA4J_REQUIRE_OPENCL", System.getenv("DELTA4J_REQUIRE_OPENCL"));
            if ("true".equalsIgnoreCase(required == null ? "" : required.trim())) {
                fail("DELTA4J_REQUIRE_OPENCL=true but OpenCL is not available: " + why);
            }
            Assumptions.abort("OpenCL is not available: " + why);
        }
        String device = Devices.forTask("opencl", gpu("0")); // PoCL's CPU device stands in for a GPU here
        Mlp mlp = Mlp.builder(4).dense(8, delta4j.engine.Activation.TANH).dense(2, delta4j.engine.Activation.IDENTITY).seed(1).build();
        float[] x = {0.1f, -0.2f, 0.3f, 0.4f, 1f, 0.5f, -1f, 0.25f};
        float[] expected;
        try (Engine ref = new ReferenceEngine()) {
            expected = mlp.predict(ref, x);
        }
        try (Engine e = new Settings("adam", 0.001f, 0, "constant", 0, 32, 1, 1, true, 0, 0, "opencl", 1, TrainingMode.SYNC, 1, false, false)
                .openEngine(1, device)) {
            assertEquals("opencl", e.name());
            float[] y = mlp.predict(e, x);
            assertArrayEquals(expected, y, 1e-5f);
        }
    }
}
