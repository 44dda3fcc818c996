package delta4j.cpu;

import delta4j.conformance.ChildJvm;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

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
        ChildJvm.Result child = ChildJvm.run(childWithoutTheFlag().redirectErrorStream(true), 60);
        String out = child.out();
        assertEquals(0, child.exit(), out);
        assertTrue(out.contains("module present: false"), out);
        assertTrue(out.contains("prepared"), "preparing an engine that cannot run does nothing, quietly: " + out);
        assertTrue(out.contains("unavailable: the cpu engine is not available: "), out);
        assertTrue(out.contains("--add-modules jdk.incubator.vector"), out);
        assertTrue(out.contains("probe: Availability[available=false"), out);
        assertTrue(out.contains("auto: "), "auto must still find an engine: " + out);
        assertTrue(!out.contains("NoClassDefFoundError"), "no Vector API class may load before the check: " + out);
    }

    @Test
    void autoSaysOnceThatItFellBackAndWhichFlagToAdd() throws IOException, InterruptedException {
        ChildJvm.Result child = ChildJvm.run(childWithoutTheFlag(), 60);
        String out = child.out(), err = child.err();
        assertEquals(0, child.exit(), child.both());
        assertEquals(2, count(out, "auto: reference"), "auto still works, on the reference engine: " + out);
        assertEquals(1, count(err, "engine \"auto\" chose the reference engine"), "said once, on standard error: " + err);
        assertTrue(err.contains("WARNING"), err);
        assertTrue(err.contains("the cpu engine cannot be used: "), err);
        assertTrue(err.contains("--add-modules jdk.incubator.vector"), "names the exact flag: " + err);
        assertTrue(!out.contains("chose"), "nothing of it on standard output: " + out);
    }

    private static ProcessBuilder childWithoutTheFlag() {
        ProcessBuilder pb = new ProcessBuilder(ChildJvm.command(NoVectorModuleMain.class, List.of()));
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
        // The same line as an engine's device(): `delta4j devices` and the benchmark report show the GEMM's choice.
        assertTrue(availability.device().endsWith(GemmBlocking.MACHINE.describe()), availability.device());
    }
}
