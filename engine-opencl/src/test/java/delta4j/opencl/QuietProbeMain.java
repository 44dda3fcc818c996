package delta4j.opencl;

import delta4j.engine.Engine;
import delta4j.engine.EngineUnavailableException;
import delta4j.engine.Engines;
import delta4j.engine.Tensor;

import java.util.Arrays;

/**
 * The child JVM of {@link StandardOutputTest}: probes every engine, asks for the opencl engine and, when it is there,
 * runs a product on it. It reports on standard error only, so that its standard output holds whatever the library and
 * its dependencies wrote there themselves, which must be nothing.
 */
public final class QuietProbeMain {

    private QuietProbeMain() {
    }

    public static void main(String[] args) {
        for (Engines.Found f : Engines.list()) {
            System.err.println("probe " + f.name() + ": " + (f.availability().available() ? "available" : f.availability().reason()));
        }
        try (Engine e = Engines.create("opencl");
             Tensor a = e.tensor(2, 2, new float[]{1, 2, 3, 4}); Tensor c = e.allocate(2, 2)) {
            e.gemm(false, false, 1f, a, a, 0f, c);
            System.err.println("opencl product: " + Arrays.toString(e.download(c)));
        } catch (EngineUnavailableException e) {
            System.err.println("opencl unavailable: " + e.getMessage());
        }
        try (Engine e = Engines.create("auto")) {
            System.err.println("auto: " + e.name());
        }
    }
}
