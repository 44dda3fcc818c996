package delta4j.conformance;

import delta4j.engine.Engine;
import delta4j.engine.EngineBase;
import delta4j.engine.Tensor;
import delta4j.engine.TensorBase;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A third-party engine written against {@link EngineBase} with only what it must write (its memory, here
 * off-heap buffers standing in for a device's) and the one kernel it accelerates (gemm) passes the whole
 * conformance kit: the checks, ownership, locking and lifecycle are the base's, every other kernel its
 * default through the host.
 */
class MinimalEngineConformanceTest extends EngineConformanceKit {

    @Override
    protected Engine createEngine() {
        return new MinimalEngine();
    }

    /** Memory in direct buffers; gemm in plain float loops; nothing else. */
    static final class MinimalEngine extends EngineBase {

        int gemmCalls;

        @Override
        public String name() {
            return "minimal";
        }

        @Override
        public String device() {
            return "off-heap buffers, 1 thread";
        }

        @Override
        protected Tensor newTensor(int rows, int cols) {
            return new BufferTensor(rows, cols);
        }

        @Override
        protected void write(float[] src, int offset, Tensor dst) {
            ((BufferTensor) dst).data.put(0, src, offset, (int) dst.size());
        }

        @Override
        protected void read(Tensor src, float[] dst, int offset) {
            ((BufferTensor) src).data.get(0, dst, offset, (int) src.size());
        }

        // C ← α·op(A)·op(B) + β·C, accumulated in float in (i, p, j) order
        @Override
        protected void gemmKernel(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
            gemmCalls++;
            FloatBuffer A = ((BufferTensor) a).data, B = ((BufferTensor) b).data, C = ((BufferTensor) c).data;
            int m = c.rows(), n = c.cols(), k = transA ? a.rows() : a.cols();
            float[] row = new float[n];
            for (int i = 0; i < m; i++) {
                java.util.Arrays.fill(row, 0f);
                for (int p = 0; p < k; p++) {
                    float aip = transA ? A.get(p * a.cols() + i) : A.get(i * a.cols() + p);
                    for (int j = 0; j < n; j++) {
                        row[j] += aip * (transB ? B.get(j * b.cols() + p) : B.get(p * b.cols() + j));
                    }
                }
                for (int j = 0; j < n; j++) {
                    C.put(i * n + j, alpha * row[j] + (beta == 0f ? 0f : beta * C.get(i * n + j)));
                }
            }
        }

        final class BufferTensor extends TensorBase {
            FloatBuffer data;

            BufferTensor(int rows, int cols) {
                super(MinimalEngine.this, rows, cols);
                this.data = ByteBuffer.allocateDirect(Math.multiplyExact(Math.multiplyExact(rows, cols), Float.BYTES))
                        .order(ByteOrder.nativeOrder()).asFloatBuffer();
            }

            @Override
            protected void release() {
                data = null;
                forget(this);
            }
        }
    }

    @Test
    void itsOwnKernelRunsAndTheBaseKeepsItsBooks() {
        MinimalEngine e = new MinimalEngine();
        try (Tensor a = e.tensor(2, 3, new float[]{1, 2, 3, 4, 5, 6}); Tensor b = e.tensor(3, 1, new float[]{1, 1, 1});
             Tensor c = e.allocate(2, 1)) {
            e.gemm(false, false, 1f, a, b, 0f, c);
            assertEquals(1, e.gemmCalls);
            org.junit.jupiter.api.Assertions.assertArrayEquals(new float[]{6, 15}, e.download(c));
            assertEquals(3, e.liveTensors());
            assertThrows(IllegalArgumentException.class, () -> e.gemm(false, false, 1f, a, a, 0f, c), "checked by the base");
            assertEquals(1, e.gemmCalls, "a rejected call never reaches the engine");
        }
        assertEquals(0, e.liveTensors());
        e.allocate(1, 1);
        e.close();
        assertEquals(0, e.liveTensors());
        assertThrows(IllegalStateException.class, () -> e.allocate(1, 1));
    }
}
