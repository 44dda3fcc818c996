package delta4j.opencl;

import delta4j.engine.TensorBase;
import org.jocl.cl_mem;

/** An OpenCL tensor: one device buffer of rows·cols floats, row-major, owned by one {@link OpenClEngine}. */
final class OpenClTensor extends TensorBase {

    private final OpenClEngine engine;
    /** The device buffer; null once closed. */
    cl_mem mem;

    OpenClTensor(OpenClEngine engine, int rows, int cols, cl_mem mem) {
        super(engine, rows, cols);
        this.engine = engine;
        this.mem = mem;
    }

    long bytes() {
        return size() * Float.BYTES;
    }

    @Override
    protected void release() {
        engine.release(this);
    }
}
