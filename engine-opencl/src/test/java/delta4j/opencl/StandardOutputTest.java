package delta4j.opencl;

import delta4j.conformance.ChildJvm;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Nothing from the library or its dependencies writes to standard output unless asked: it may be a CSV of predictions
 * ({@code delta4j predict > p.csv}) or a test runner's channel. JOCL prints "Could not load libOpenCL.so" there when the
 * OpenCL library does not open, so the probe asks the dynamic linker first ({@link OpenClLibrary}). Checked in child
 * JVMs whose standard output is captured apart from their standard error.
 */
class StandardOutputTest {

    @Test
    void anOpenClLibraryThatDoesNotOpenIsAReasonNotALineOnStandardOutput() throws IOException, InterruptedException {
        assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux"), "uses the Linux dynamic linker's search");
        // A directory first on the library path whose libOpenCL.so is not a library: dlopen("libOpenCL.so") finds it
        // before the installed one (if any) and fails, as on a machine without OpenCL, wherever OpenCL is installed.
        Path dir = Files.createTempDirectory("delta4j-no-opencl-");
        try {
            Files.writeString(dir.resolve("libOpenCL.so"), "not a library\n");
            String old = System.getenv("LD_LIBRARY_PATH");
            ChildJvm.Result child = run(dir + (old == null || old.isEmpty() ? "" : ":" + old));
            assertEquals("", child.out(), "standard output must stay empty; standard error was: " + child.err());
            assertTrue(child.err().contains("opencl unavailable: the opencl engine is not available: OpenCL cannot be loaded ("
                    + dir.resolve("libOpenCL.so")), "the linker's reason, naming the file: " + child.err());
            assertTrue(child.err().contains("install an OpenCL driver"), child.err());
            assertTrue(child.err().contains("auto: "), "auto still finds an engine: " + child.err());
        } finally {
            Files.deleteIfExists(dir.resolve("libOpenCL.so"));
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void probingAndUsingOpenClWritesNothingToStandardOutput() throws IOException, InterruptedException {
        ChildJvm.Result child = run(System.getenv("LD_LIBRARY_PATH"));
        assertEquals("", child.out(), "standard output must stay empty; standard error was: " + child.err());
        assertTrue(child.err().contains("opencl product: [7.0, 10.0, 15.0, 22.0]") || child.err().contains("opencl unavailable: "), child.err());
    }

    @Test
    void theLinkersReasonNamesTheFile() {
        Optional<String> why = OpenClLibrary.whyNotLoadable(List.of("/nonexistent-delta4j/libOpenCL.so"));
        assertTrue(why.isPresent());
        assertTrue(why.get().contains("/nonexistent-delta4j/libOpenCL.so"), why.get());
    }

    private static ChildJvm.Result run(String libraryPath) throws IOException, InterruptedException {
        List<String> options = new ArrayList<>(List.of("--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-DuniqueLibraryNames=true"));
        for (String p : new String[]{"delta4j.opencl.tuningDir", "delta4j.opencl.device"}) {
            if (System.getProperty(p) != null) {
                options.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        ProcessBuilder pb = new ProcessBuilder(ChildJvm.command(QuietProbeMain.class, options));
        if (libraryPath == null) {
            pb.environment().remove("LD_LIBRARY_PATH");
        } else {
            pb.environment().put("LD_LIBRARY_PATH", libraryPath);
        }
        ChildJvm.Result child = ChildJvm.run(pb, 300);
        assertEquals(0, child.exit(), child.both());
        return child;
    }
}
