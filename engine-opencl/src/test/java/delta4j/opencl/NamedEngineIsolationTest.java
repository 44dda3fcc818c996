package delta4j.opencl;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Asking for an engine by name probes that engine only: creating the reference engine must not load an OpenCL
 * runtime (its native libraries and threads) into the process, while listing the engines does. Checked in a
 * child JVM, whose memory map is not touched by the other tests.
 */
class NamedEngineIsolationTest {

    @Test
    void creatingANamedEngineLoadsNoOtherEnginesNativeCode() throws IOException, InterruptedException {
        OpenClTestSupport.requireOpenCl();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), NamedEngineMain.class.getName()));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish: " + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("after create(reference): libOpenCL mapped: false"), out);
        assertTrue(out.contains("after list(): libOpenCL mapped: true"), "listing probes OpenCL, so the check above can fail: " + out);
    }
}
