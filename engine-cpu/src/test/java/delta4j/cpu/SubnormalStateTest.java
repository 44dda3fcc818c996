package delta4j.cpu;

import delta4j.engine.EngineConfig;
import delta4j.engine.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Optimizer state that decays under zero gradients is flushed to zero instead of entering the subnormal range,
 * where every multiply on it costs a microcode assist (see {@link Optimizers}). Sizes include a
 * partial last vector, which takes Adam's padded path.
 */
class SubnormalStateTest {

    private static final int N = 37; // two whole vectors of 16 lanes and a partial one (and more on narrower species)

    @Test
    void adamMomentsDecayToExactZero() {
        try (CpuEngine e = new CpuEngine(EngineConfig.defaults().withThreads(1));
             Tensor p = e.tensor(1, N, filled(1f)); Tensor g = e.allocate(1, N);
             Tensor m = e.tensor(1, N, filled(4e-38f)); Tensor v = e.tensor(1, N, filled(4e-38f))) {
            for (int step = 1; step <= 40; step++) {
                e.adamStep(p, g, m, v, 1e-3f, 0.9f, 0.5f, 1e-8f, 0f, false, step);
            }
            // m: 4e-38·0.9^40 ≈ 6e-40 would be subnormal, not 0, without the flush (v underflows to 0 either way)
            for (float x : e.download(m)) {
                assertEquals(0f, x);
            }
            for (float x : e.download(v)) {
                assertEquals(0f, x);
            }
            for (float x : e.download(p)) {
                assertEquals(1f, x, 1e-6f); // steps of size about m̂/(√v̂ + ε) · η: negligible
            }
        }
    }

    @Test
    void momentumVelocityDecaysToExactZero() {
        try (CpuEngine e = new CpuEngine(EngineConfig.defaults().withThreads(1));
             Tensor p = e.tensor(1, N, filled(1f)); Tensor g = e.allocate(1, N); Tensor vel = e.tensor(1, N, filled(4e-38f))) {
            for (int step = 1; step <= 40; step++) {
                e.momentumStep(p, g, vel, 0.1f, 0.9f, 0f, false); // 4e-38·0.9^40 ≈ 6e-40: subnormal without the flush
            }
            for (float x : e.download(vel)) {
                assertEquals(0f, x);
            }
        }
    }

    private static float[] filled(float value) {
        float[] x = new float[N];
        java.util.Arrays.fill(x, value);
        return x;
    }
}
