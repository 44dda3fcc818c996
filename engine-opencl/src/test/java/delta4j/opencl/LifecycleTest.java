package delta4j.opencl;

import delta4j.engine.Activation;
import delta4j.engine.Loss;
import delta4j.engine.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Resources are released, and staged uploads deliver what the caller held when upload() returned. */
class LifecycleTest {

    @Test
    void manyEnginesAndTensorsLeaveNoLiveHandles() {
        OpenClTestSupport.requireOpenCl();
        long baseline = OpenClEngine.liveHandlesAllEngines();
        for (int round = 0; round < 12; round++) {
            OpenClEngine e = OpenClTestSupport.engine();
            Tensor a = e.tensor(5, 7, new float[35]);
            Tensor b = e.allocate(7, 3);
            Tensor c = e.allocate(5, 3);
            Tensor l = e.allocate(1, 2);
            e.upload(new float[21], b);
            e.gemm(false, false, 1f, a, b, 0f, c);
            e.biasActivation(c, e.allocate(1, 3), Activation.TANH, c);
            e.outputDelta(Loss.MSE, Activation.TANH, c, c, e.allocate(5, 3), e.allocate(5, 3), l, 1);
            e.sumOfSquares(a, l, 0);
            e.download(l);
            if (round % 2 == 0) {
                a.close(); // some tensors closed by hand, the rest by the engine
                b.close();
            }
            for (int i = 0; i < 20; i++) {
                e.allocate(3, 3).close();
            }
            e.close();
            assertEquals(0, e.liveHandles(), "handles left after close in round " + round);
            assertEquals(0, e.liveTensors());
        }
        assertEquals(baseline, OpenClEngine.liveHandlesAllEngines(), "live OpenCL handles grew");
    }

    @Test
    void stagedUploadsCopyTheArrayBeforeReturning() {
        try (OpenClEngine e = OpenClTestSupport.engine()) {
            int rows = 64, cols = 33;
            Tensor[] t = {e.allocate(rows, cols), e.allocate(rows, cols), e.allocate(rows, cols)};
            Tensor sum = e.allocate(cols, cols);
            float[] host = new float[rows * cols];
            float[][] expect = new float[3][];
            SplittableRandom rnd = new SplittableRandom(3);
            // More uploads than staging buffers, the array overwritten right after each, work in between.
            for (int round = 0; round < 9; round++) {
                for (int i = 0; i < host.length; i++) {
                    host[i] = (float) rnd.nextDouble();
                }
                e.upload(host, t[round % 3]);
                expect[round % 3] = host.clone();
                Arrays.fill(host, Float.NaN);
                e.gemm(true, false, 1f, t[round % 3], t[round % 3], 0f, sum);
            }
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(expect[i], e.download(t[i]));
            }
        }
    }

    @Test
    void largeUploadsBypassStaging() {
        try (OpenClEngine e = OpenClTestSupport.engine()) {
            e.maxStagedBytes(1024);
            float[] small = new float[16], big = new float[1000];
            Arrays.fill(small, 2f);
            for (int i = 0; i < big.length; i++) {
                big[i] = i;
            }
            Tensor s = e.tensor(4, 4, small);
            Tensor b = e.tensor(10, 100, big);
            Arrays.fill(big, -1f);
            assertArrayEquals(small, e.download(s));
            float[] back = e.download(b);
            assertEquals(999f, back[999]);
            assertEquals(0f, back[0]);
        }
    }
}
