package delta4j.opencl;

import delta4j.engine.Activation;
import delta4j.engine.Loss;
import delta4j.engine.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /** A training step in steady state creates no OpenCL object: only the batch goes in, one loss stays on the device. */
    @Test
    void steadyStateTrainingStepsAllocateNothing() {
        try (OpenClEngine e = OpenClTestSupport.engine()) {
            int batch = 16, in = 12, hidden = 20, out = 3;
            SplittableRandom rnd = new SplittableRandom(8);
            Tensor w1 = e.tensor(in, hidden, random(rnd, in * hidden)), b1 = e.allocate(1, hidden);
            Tensor w2 = e.tensor(hidden, out, random(rnd, hidden * out)), b2 = e.allocate(1, out);
            Tensor x = e.allocate(batch, in), t = e.allocate(batch, out), loss = e.allocate(1, 20);
            Tensor z1 = e.allocate(batch, hidden), a1 = e.allocate(batch, hidden), d1 = e.allocate(batch, hidden);
            Tensor z2 = e.allocate(batch, out), a2 = e.allocate(batch, out), d2 = e.allocate(batch, out);
            Tensor dw1 = e.allocate(in, hidden), db1 = e.allocate(1, hidden), dw2 = e.allocate(hidden, out), db2 = e.allocate(1, out);
            Tensor m1 = e.allocate(in, hidden), v1 = e.allocate(in, hidden);
            float[] ts = new float[batch * out];
            for (int i = 0; i < batch; i++) {
                ts[i * out + rnd.nextInt(out)] = 1f; // one-hot targets
            }
            float[] xs = random(rnd, batch * in);
            long handles = 0, bytes = 0;
            for (int step = 0; step < 12; step++) {
                if (step == 2) {
                    handles = e.liveHandles();
                    bytes = e.allocatedBytes();
                }
                e.upload(xs, x);
                e.upload(ts, t);
                e.gemm(false, false, 1f, x, w1, 0f, z1);
                e.biasActivation(z1, b1, Activation.TANH, a1);
                e.gemm(false, false, 1f, a1, w2, 0f, z2);
                e.biasActivation(z2, b2, Activation.SOFTMAX, a2);
                e.outputDelta(Loss.SOFTMAX_CROSS_ENTROPY, Activation.SOFTMAX, z2, a2, t, d2, loss, step);
                e.gemm(false, true, 1f, d2, w2, 0f, d1);
                e.activationBackward(d1, z1, a1, Activation.TANH, d1);
                e.gemm(true, false, 1f / batch, a1, d2, 0f, dw2);
                e.columnSum(1f / batch, d2, db2);
                e.gemm(true, false, 1f / batch, x, d1, 0f, dw1);
                e.columnSum(1f / batch, d1, db1);
                e.sumOfSquares(dw1, loss, 19);
                e.adamStep(w1, dw1, m1, v1, 0.01f, 0.9f, 0.999f, 1e-8f, 0f, false, step + 1);
                e.sgdStep(w2, dw2, 0.1f, 0f);
                e.sgdStep(b1, db1, 0.1f, 0f);
                e.sgdStep(b2, db2, 0.1f, 0f);
            }
            assertEquals(handles, e.liveHandles(), "OpenCL objects created in steady state");
            assertEquals(bytes, e.allocatedBytes(), "device memory allocated in steady state");
            float[] losses = e.download(loss);
            for (int s = 0; s < 12; s++) {
                assertTrue(Float.isFinite(losses[s]) && losses[s] > 0, "loss of step " + s + ": " + losses[s]);
            }
        }
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextDouble() - 0.5);
        }
        return v;
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

    @Test
    void byteUploadsArriveWholeStagedOrNotAndLeaveNothingBehind() {
        OpenClEngine e = OpenClTestSupport.engine();
        try (e) {
            e.maxStagedBytes(1024);
            SplittableRandom rnd = new SplittableRandom(5);
            // 10 rows of 50 bytes are staged (500 bytes), 10 rows of 200 are not (2000): the device's table and the host's
            // conversion must give the same floats, the source overwritten right after each upload, more uploads than
            // staging buffers, and a product in between.
            for (int cols : new int[] {50, 200}) {
                byte[] src = new byte[30 * cols];
                int[] rows = new int[10];
                try (Tensor a = e.allocate(10, cols); Tensor b = e.allocate(10, cols); Tensor c = e.allocate(10, cols);
                     Tensor sum = e.allocate(cols, cols)) {
                    Tensor[] t = {a, b, c};
                    float[][] expect = new float[3][];
                    for (int round = 0; round < 7; round++) {
                        rnd.nextBytes(src);
                        for (int r = 0; r < rows.length; r++) {
                            rows[r] = rnd.nextInt(30);
                        }
                        float divisor = round % 2 == 0 ? 255f : 7.3f;
                        e.uploadRows(src, divisor, rows, 0, t[round % 3]);
                        float[] want = new float[10 * cols];
                        for (int r = 0; r < 10; r++) {
                            for (int j = 0; j < cols; j++) {
                                want[r * cols + j] = (src[rows[r] * cols + j] & 0xff) / divisor;
                            }
                        }
                        expect[round % 3] = want;
                        Arrays.fill(src, (byte) 0x55);
                        e.gemm(true, false, 1f, t[round % 3], t[round % 3], 0f, sum);
                    }
                    for (int i = 0; i < 3; i++) {
                        assertArrayEquals(expect[i], e.download(t[i]), cols + " columns, tensor " + i);
                    }
                }
            }
        }
        assertEquals(0, e.liveHandles());
    }
}
