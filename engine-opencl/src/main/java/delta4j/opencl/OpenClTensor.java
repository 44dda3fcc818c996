package delta4j.opencl;

import delta4j.engine.Engine;
import delta4j.engine.Tensor;
import org.jocl.cl_mem;

/** An OpenCL tensor: one device buffer of rows·cols floats, row-major, owned by one {@link OpenClEngine}. */
final class OpenClTensor implements Tensor {

    private final OpenClEngine engine;
    private final int rows;
    private final int cols;
    /** The device buffer; null once closed. */
    cl_mem mem;

    OpenClTensor(OpenClEngine engine, int rows, int cols, cl_mem mem) {
        this.engine = engine;
        this.rows = rows;
        this.cols = cols;
        this.mem = mem;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    long bytes() {
        return size() * Float.BYTES;
    }

    @Override
    public Engine engine() {
        return engine;
    }

    @Override
    public boolean isClosed() {
        return mem == null;
    }

    @Override
    public void close() {
        if (mem != null) {
            engine.release(this);
        }
    }

    @Override
    public String toString() {
        return "OpenClTensor[" + shape() + (mem == null ? ", closed" : "") + "]";
    }
}
