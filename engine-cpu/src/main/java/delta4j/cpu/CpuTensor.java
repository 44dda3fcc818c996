package delta4j.cpu;

import delta4j.engine.Engine;
import delta4j.engine.Tensor;

/** A cpu-engine tensor: a row-major Java float array (heap memory, so the kernels read it with no copy). */
final class CpuTensor implements Tensor {

    private final CpuEngine engine;
    private final int rows;
    private final int cols;
    /** The elements, row-major; null once closed. */
    float[] data;

    CpuTensor(CpuEngine engine, int rows, int cols) {
        this.engine = engine;
        this.rows = rows;
        this.cols = cols;
        this.data = new float[Math.multiplyExact(rows, cols)];
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public Engine engine() {
        return engine;
    }

    @Override
    public boolean isClosed() {
        return data == null;
    }

    @Override
    public void close() {
        if (data != null) {
            data = null;
            engine.forget(this);
        }
    }

    @Override
    public String toString() {
        return "CpuTensor[" + shape() + "]";
    }
}
