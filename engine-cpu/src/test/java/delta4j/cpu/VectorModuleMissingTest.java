package delta4j.cpu;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without {@code --add-modules jdk.incubator.vector} the cpu engine must say which flag to add, and must not
 * break engine discovery: checked in a child JVM on the same class path but without the flag.
 */
class VectorModuleMissingTest {

    @Test
    void selectingTheCpuEngineNamesTheMissingFlag() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                NoVectorModuleMain.class.getName()));
        pb.environment().remove("JDK_JAVA_OPTIONS");   // these could smuggle the flag back in
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish: " + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("module present: false"), out);
        assertTrue(out.contains("unavailable: the cpu engine is not available: "), out);
        assertTrue(out.contains("--add-modules jdk.incubator.vector"), out);
        assertTrue(out.contains("probe: Availability[available=false"), out);
        assertTrue(out.contains("auto: "), "auto must still find an engine: " + out);
        assertTrue(!out.contains("NoClassDefFoundError"), "no Vector API class may load before the check: " + out);
    }

    @Test
    void withTheFlagTheProviderIsAvailable() {
        CpuEngineProvider provider = new CpuEngineProvider();
        assertEquals("cpu", provider.name());
        var availability = provider.probe();
        assertTrue(availability.available(), availability.reason());
        assertEquals(100, provider.autoPriority(availability));
        assertTrue(availability.device().contains("float lanes"), availability.device());
    }
}
