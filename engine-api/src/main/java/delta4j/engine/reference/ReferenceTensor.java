package delta4j.engine.reference;

import delta4j.engine.Engine;
import delta4j.engine.Tensor;

/** A reference-engine tensor: a plain Java array, row-major. */
final class ReferenceTensor implements Tensor {

    private final ReferenceEngine engine;
    private final int rows;
    private final int cols;
    float[] data;

    ReferenceTensor(ReferenceEngine engine, int rows, int cols) {
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
        return "ReferenceTensor[" + shape() + "]";
    }
}
