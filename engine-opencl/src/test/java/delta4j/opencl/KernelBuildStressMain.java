package delta4j.opencl;

import delta4j.engine.EngineConfig;
import delta4j.engine.Tensor;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Builds the engine's kernels over and over while other threads make the JVM reach safepoints as often as it
 * can (each safepoint sends SIGSEGV to threads running compiled code): the condition under which an LLVM-based
 * OpenCL compiler without signal chaining loses its temporary files. Prints one line:
 * {@code cycles C failures F retries R chaining B}. Run by {@link CompilerTempFilesTest}, in-process and in a
 * child JVM.
 */
final class KernelBuildStressMain {

    private KernelBuildStressMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        System.out.println(run(Integer.parseInt(args[0])));
    }

    static String run(int cycles) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        Thread safepoints = new Thread(() -> {
            while (!stop.get()) {
                Thread.getAllStackTraces();   // a safepoint per call
            }
        }, "safepoints");
        Thread compiled = new Thread(() -> {
            long x = 0;
            while (!stop.get()) {
                x += System.nanoTime() & 7;   // compiled code that polls, so the safepoints signal this thread
            }
            if (x == 42) {
                System.out.print("");
            }
        }, "compiled-loop");
        safepoints.setDaemon(true);
        compiled.setDaemon(true);
        safepoints.start();
        compiled.start();
        long retriesBefore = CompilerTempFiles.retries();
        int failures = 0;
        String firstFailure = "";
        try {
            for (int i = 0; i < cycles; i++) {
                try (OpenClEngine e = (OpenClEngine) new OpenClEngineProvider().create(
                        new EngineConfig(0, System.getProperty("delta4j.opencl.device")));
                     Tensor a = e.tensor(2, 2, new float[]{1, 2, 3, 4});
                     Tensor c = e.allocate(2, 2)) {
                    e.gemm(false, false, 1f, a, a, 0f, c);
                    e.download(c);
                } catch (OpenClException ex) {
                    if (failures++ == 0) {
                        firstFailure = " first: " + ex.getMessage().lines().findFirst().orElse("");
                    }
                }
            }
        } finally {
            stop.set(true);
            safepoints.join();
            compiled.join();
        }
        return "cycles " + cycles + " failures " + failures + " retries " + (CompilerTempFiles.retries() - retriesBefore)
                + " chaining " + CompilerTempFiles.signalChaining() + firstFailure;
    }
}
