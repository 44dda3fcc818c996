package delta4j.opencl;

import delta4j.engine.EngineProvider;
import delta4j.engine.EngineUnavailableException;
import delta4j.engine.Tensor;
import org.jocl.CLException;
import org.jocl.cl_platform_id;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine's errors: each says what went wrong and what to do. */
class ErrorsTest {

    // ---------------------------------------------------------------- no OpenCL at all

    @Test
    void missingOpenClLibraryNamesThePackages() {
        EngineUnavailableException e = assertThrows(EngineUnavailableException.class, () -> OpenClDevices.discover(() -> {
            throw new UnsatisfiedLinkError("Could not initialize native OpenCL library");
        }));
        assertTrue(e.getMessage().contains("Could not initialize native OpenCL library"), e.getMessage());
        assertNamesPackages(e.getMessage());
    }

    @Test
    void platformNotFoundNamesThePackages() {
        EngineUnavailableException e = assertThrows(EngineUnavailableException.class, () -> OpenClDevices.discover(() -> {
            throw new CLException("CL_PLATFORM_NOT_FOUND_KHR", OpenClDevices.PLATFORM_NOT_FOUND_KHR);
        }));
        assertTrue(e.getMessage().startsWith("no OpenCL platform is installed"), e.getMessage());
        assertNamesPackages(e.getMessage());
        EngineUnavailableException none = assertThrows(EngineUnavailableException.class,
                () -> OpenClDevices.discover(() -> new cl_platform_id[0]));
        assertNamesPackages(none.getMessage());
    }

    /** A real JVM whose ICD loader finds no vendor: the provider reports unavailable, with the packages. */
    @Test
    void probeWithoutPlatformReportsUnavailable(@TempDir Path empty, @TempDir Path tmp) throws IOException, InterruptedException {
        OpenClTestSupport.requireOpenCl(); // the loader (libOpenCL.so) must be installed for this path
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Djava.io.tmpdir=" + tmp,
                "-cp", System.getProperty("java.class.path"), ProbeMain.class.getName());
        Map<String, String> env = pb.environment();
        env.put("OCL_ICD_VENDORS", empty.toString());
        env.remove("OCL_ICD_FILENAMES");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe process did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("available=false"), out);
        assertTrue(out.contains("no OpenCL platform is installed"), out);
        assertNamesPackages(out);
    }

    private static void assertNamesPackages(String message) {
        for (String pkg : List.of("pocl-opencl-icd", "ocl-icd-libopencl1", "ocl-icd-opencl-dev")) {
            assertTrue(message.contains(pkg), "message should name " + pkg + ": " + message);
        }
    }

    @Test
    void autoPriorityPrefersOnlyGpus() {
        OpenClEngineProvider p = new OpenClEngineProvider();
        assertEquals(1000, p.autoPriority(EngineProvider.Availability.yes("gpu", true)));
        assertEquals(-1, p.autoPriority(EngineProvider.Availability.yes("PoCL", false)));
        assertEquals(-1, p.autoPriority(EngineProvider.Availability.no("none")));
        assertEquals("opencl", p.name());
    }

    // ---------------------------------------------------------------- with a device

    @Test
    void kernelBuildFailureCarriesTheBuildLog() {
        try (OpenClEngine e = OpenClTestSupport.engine()) {
            long before = e.liveHandles();
            OpenClException ex = assertThrows(OpenClException.class, () -> e.build("a broken test kernel",
                    "__kernel void broken(__global float* x) { x[0] = no_such_variable; }", ""));
            assertTrue(ex.getMessage().contains("a broken test kernel"), ex.getMessage());
            assertTrue(ex.getMessage().contains("build log"), ex.getMessage());
            assertTrue(ex.getMessage().contains("no_such_variable"), "the log should name the undeclared identifier: " + ex.getMessage());
            assertEquals(before, e.liveHandles(), "a failed build must release its program");
        }
    }

    @Test
    void allocationBeyondTheDeviceFailsBeforeAllocating() {
        try (OpenClEngine e = OpenClTestSupport.engine()) {
            OpenClDevice d = e.openClDevice();
            long before = e.liveHandles();
            // More than one buffer may hold, but fewer than 2^31 floats.
            int cols = 1 << 14;
            int rows = (int) Math.min(Integer.MAX_VALUE / cols, d.maxAllocBytes() / Float.BYTES / cols + 1);
            if ((long) rows * cols * Float.BYTES > d.maxAllocBytes()) {
                OpenClException ex = assertThrows(OpenClException.class, () -> e.allocate(rows, cols));
                assertTrue(ex.getMessage().contains(rows + "×" + cols), ex.getMessage());
                assertTrue(ex.getMessage().contains("GiB"), ex.getMessage());
                assertTrue(ex.getMessage().contains("CL_DEVICE_MAX_MEM_ALLOC_SIZE"), ex.getMessage());
            }
            OpenClException tooMany = assertThrows(OpenClException.class, () -> e.allocate(1 << 16, 1 << 16));
            assertTrue(tooMany.getMessage().contains("65536×65536"), tooMany.getMessage());
            assertEquals(before, e.liveHandles(), "nothing may be allocated by a refused request");
            assertEquals(0, e.liveTensors());
        }
    }

    @Test
    void tensorsOfAClosedEngineAreRejected() {
        OpenClEngine e = OpenClTestSupport.engine();
        Tensor t = e.tensor(2, 3, new float[6]);
        e.close();
        assertTrue(t.isClosed());
        assertThrows(IllegalStateException.class, () -> e.fill(t, 1f));
        assertThrows(IllegalStateException.class, () -> e.download(t));
        assertThrows(IllegalStateException.class, () -> e.upload(new float[6], t));
        assertThrows(IllegalStateException.class, () -> e.gemm(false, true, 1f, t, t, 0f, t));
        assertThrows(IllegalStateException.class, () -> e.allocate(1, 1));
        assertThrows(IllegalStateException.class, e::finish);
        t.close(); // idempotent, also after the engine
        assertEquals(0, e.liveHandles());
    }

    @Test
    void selectingAMissingDeviceListsTheDevices() {
        OpenClTestSupport.requireOpenCl();
        List<OpenClDevice> all = OpenClDevices.list();
        EngineUnavailableException ex = assertThrows(EngineUnavailableException.class,
                () -> OpenClDevices.select(all, "no-such-device-xyz"));
        assertTrue(ex.getMessage().contains(all.getFirst().name()), ex.getMessage());
        assertThrows(EngineUnavailableException.class, () -> OpenClDevices.select(all, String.valueOf(all.size())));
        assertFalse(ex.getMessage().isBlank());
    }

    /** Runs in the child JVM of {@link #probeWithoutPlatformReportsUnavailable}. */
    static final class ProbeMain {
        public static void main(String[] args) {
            EngineProvider.Availability a = new OpenClEngineProvider().probe();
            System.out.println("available=" + a.available() + File.separator + " reason=" + a.reason());
        }
    }
}
