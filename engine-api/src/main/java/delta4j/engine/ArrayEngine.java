package delta4j.engine;

import java.util.Arrays;

/**
 * An {@link EngineBase} whose tensors are {@link ArrayTensor}s on the heap: the memory of the engines that
 * compute on the CPU (the reference and cpu engines), written once. A subclass writes its kernels against
 * {@link #data(Tensor)}.
 */
public abstract class ArrayEngine extends EngineBase {

    /** For subclasses: an engine starts open, with no live tensors. */
    protected ArrayEngine() {
    }

    @Override
    protected Tensor newTensor(int rows, int cols) {
        return new ArrayTensor(this, rows, cols, this::forget);
    }

    @Override
    protected void write(float[] src, int offset, Tensor dst) {
        System.arraycopy(src, offset, data(dst), 0, (int) dst.size());
    }

    /** The rows straight into the tensor's array: one copy, no staging. */
    @Override
    protected void writeRows(float[] src, int[] rows, int from, Tensor dst) {
        KernelChecks.gatherRows(src, rows, from, dst.rows(), dst.cols(), data(dst));
    }

    @Override
    protected void read(Tensor src, float[] dst, int offset) {
        System.arraycopy(data(src), 0, dst, offset, (int) src.size());
    }

    @Override
    protected void copyKernel(Tensor src, Tensor dst) {
        System.arraycopy(data(src), 0, data(dst), 0, (int) src.size());
    }

    @Override
    protected void fillKernel(Tensor dst, float value) {
        Arrays.fill(data(dst), value);
    }

    /**
     * {@return the elements of a tensor of this engine, row-major}
     *
     * @param t an open tensor from {@link #newTensor}, as every kernel receives it
     */
    protected static float[] data(Tensor t) {
        return ((ArrayTensor) t).data();
    }
}
