package delta4j.opencl;

import delta4j.conformance.ChildJvm;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

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
        ChildJvm.Result child = ChildJvm.run(new ProcessBuilder(ChildJvm.command(NamedEngineMain.class,
                List.of("--enable-native-access=ALL-UNNAMED"))).redirectErrorStream(true), 120);
        String out = child.out();
        assertEquals(0, child.exit(), out);
        assertTrue(out.contains("after create(reference): libOpenCL mapped: false"), out);
        assertTrue(out.contains("after list(): libOpenCL mapped: true"), "listing probes OpenCL, so the check above can fail: " + out);
    }
}
