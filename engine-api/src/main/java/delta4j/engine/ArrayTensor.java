package delta4j.engine;

import java.util.function.Consumer;

/**
 * A tensor held in a Java {@code float[]} on the heap, row-major: the storage of engines that compute on
 * the CPU (the reference and cpu engines). Only the owning engine's kernels should touch {@link #data()}.
 */
public final class ArrayTensor extends TensorBase {

    private final Consumer<ArrayTensor> onClose;
    private float[] data;

    /**
     * Allocates rows × cols zeros for {@code engine}; {@code onClose} is told once when the tensor is
     * closed (engines use it to forget the tensor).
     *
     * @param engine the engine that owns the tensor, which {@link #engine()} returns
     * @param rows the number of rows, at least 1
     * @param cols the number of columns, at least 1
     * @param onClose called with this tensor on its first {@link #close()}
     * @throws IllegalArgumentException if a size is not positive
     * @throws ArithmeticException if rows × cols does not fit in an int
     */
    public ArrayTensor(Engine engine, int rows, int cols, Consumer<ArrayTensor> onClose) {
        super(engine, rows, cols);
        KernelChecks.allocation(rows, cols);
        this.onClose = onClose;
        this.data = new float[Math.multiplyExact(rows, cols)];
    }

    /** {@return the elements, row-major; null once closed} */
    public float[] data() {
        return data;
    }

    @Override
    protected void release() {
        data = null;
        onClose.accept(this);
    }
}
