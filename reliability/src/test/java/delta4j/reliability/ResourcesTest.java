package delta4j.reliability;

import delta4j.cpu.CpuEngine;
import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.Engines;
import delta4j.engine.Tensor;
import delta4j.opencl.OpenClEngine;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Engines give back what they take: threads on close, and device memory is checked before it is asked for. */
class ResourcesTest {

    static final String CPU_WORKER_PREFIX = "delta4j-cpu-worker-";

    @Test
    void cpuEngineWorkerThreadsEndOnClose() throws InterruptedException {
        int before = cpuWorkers();
        Engine e = Engines.create("cpu", EngineConfig.defaults().withThreads(4));
        assertEquals(4, ((CpuEngine) e).threads());
        // Work that really fans out to the workers (a GEMM big enough to split).
        Tensor a = e.tensor(256, 256, new float[256 * 256]);
        Tensor c = e.allocate(256, 256);
        e.gemm(false, false, 1f, a, a, 0f, c);
        assertEquals(before + 3, cpuWorkers(), "a 4-thread engine runs 3 workers besides the caller");
        e.close();
        assertTrue(awaitCpuWorkers(before, 5), "cpu worker threads still alive 5 s after close: " + (cpuWorkers() - before));
        assertThrows(IllegalStateException.class, () -> e.allocate(1, 1), "a closed engine refuses work");
    }

    @Test
    void manyCpuEnginesLeaveNoThreads() throws InterruptedException {
        int before = cpuWorkers();
        for (int i = 0; i < 50; i++) {
            try (Engine e = Engines.create("cpu", EngineConfig.defaults().withThreads(3))) {
                e.fill(e.allocate(4, 4), 1f);
            }
        }
        assertTrue(awaitCpuWorkers(before, 5), "worker threads of closed engines are still alive: " + (cpuWorkers() - before));
    }

    /** A tensor larger than one device buffer may be fails with the limit named, before any OpenCL call. */
    @Test
    void openClRefusesATensorBeyondTheDeviceBeforeAllocating() {
        OpenCl.require();
        try (OpenClEngine e = (OpenClEngine) Engines.create("opencl", EngineConfig.defaults().withDevice(System.getProperty("delta4j.opencl.device")))) {
            long handles = e.liveHandles(), bytes = e.allocatedBytes();
            long maxAlloc = e.openClDevice().maxAllocBytes(), global = e.openClDevice().globalMemBytes();
            int cols = 1 << 16;
            long rowsNeeded = Math.min(maxAlloc, global) / Float.BYTES / cols + 1;
            if (rowsNeeded * cols <= Integer.MAX_VALUE) {
                int rows = (int) rowsNeeded;
                RuntimeException ex = assertThrows(RuntimeException.class, () -> e.allocate(rows, cols));
                String m = ex.getMessage();
                assertTrue(m.contains(rows + "×" + cols) && m.contains(e.openClDevice().name()), m);
                assertTrue(m.contains("CL_DEVICE_MAX_MEM_ALLOC_SIZE") || m.contains("the device has"), m);
                System.out.println("refused on " + e.openClDevice().name() + ": " + m);
            }
            // 2^32 floats: more than any tensor may hold, on any device.
            RuntimeException huge = assertThrows(RuntimeException.class, () -> e.allocate(1 << 16, 1 << 16));
            assertTrue(huge.getMessage().contains("65536×65536"), huge.getMessage());
            assertEquals(handles, e.liveHandles(), "a refused request created OpenCL objects");
            assertEquals(bytes, e.allocatedBytes(), "a refused request holds device memory");
            assertEquals(0, e.liveTensors());
            // The engine is still usable after a refusal.
            Tensor t = e.tensor(2, 2, new float[] {1, 2, 3, 4});
            assertEquals(4f, e.download(t)[3]);
        }
    }

    static int cpuWorkers() {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(CPU_WORKER_PREFIX)).count();
    }

    /** Waits up to {@code seconds} for the worker count to fall back to {@code expected}. */
    static boolean awaitCpuWorkers(int expected, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (cpuWorkers() > expected) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }
}
