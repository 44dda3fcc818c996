package delta4j.cpu;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without {@code --add-modules jdk.incubator.vector} the cpu engine must say which flag to add, and must not
 * break engine discovery, and "auto" must not fall back to the reference engine without saying so: checked in a
 * child JVM on the same class path but without the flag.
 */
class VectorModuleMissingTest {

    @Test
    void selectingTheCpuEngineNamesTheMissingFlag() throws IOException, InterruptedException {
        ProcessBuilder pb = childWithoutTheFlag();
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
    void autoSaysOnceThatItFellBackAndWhichFlagToAdd() throws IOException, InterruptedException {
        ProcessBuilder pb = childWithoutTheFlag();
        Path stderr = Files.createTempFile("delta4j-auto-", ".err");
        try {
            pb.redirectError(stderr.toFile());
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish: " + out);
            String err = Files.readString(stderr);
            assertEquals(0, p.exitValue(), out + err);
            assertEquals(2, count(out, "auto: reference"), "auto still works, on the reference engine: " + out);
            assertEquals(1, count(err, "engine \"auto\" chose the reference engine"), "said once, on standard error: " + err);
            assertTrue(err.contains("WARNING"), err);
            assertTrue(err.contains("the cpu engine cannot be used: "), err);
            assertTrue(err.contains("--add-modules jdk.incubator.vector"), "names the exact flag: " + err);
            assertTrue(!out.contains("chose"), "nothing of it on standard output: " + out);
        } finally {
            Files.deleteIfExists(stderr);
        }
    }

    private static ProcessBuilder childWithoutTheFlag() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                NoVectorModuleMain.class.getName()));
        pb.environment().remove("JDK_JAVA_OPTIONS");   // these could smuggle the flag back in
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        return pb;
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
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
