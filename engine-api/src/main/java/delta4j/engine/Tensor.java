package delta4j.engine;

/**
 * A handle to a dense, row-major float32 matrix that lives in the memory of one {@link Engine}.
 *
 * <p>Element {@code (i, j)} sits at flat index {@code i * cols() + j}. The handle's memory belongs to
 * the engine that allocated it: pass it only to that engine's kernels, and read it only through
 * {@link Engine#download}. Closing a tensor releases its memory; closing the engine closes every tensor
 * it still owns. Using a closed tensor fails with {@link IllegalStateException}.
 */
public interface Tensor extends AutoCloseable {

    /** {@return the number of rows (samples, for activations and δ's)} */
    int rows();

    /** {@return the number of columns (units, for activations and δ's)} */
    int cols();

    /** {@return {@code rows() * cols()}, the number of floats held} */
    default long size() {
        return (long) rows() * cols();
    }

    /** {@return the engine that owns this tensor's memory} */
    Engine engine();

    /** {@return whether {@link #close()} was called on this tensor or on its engine} */
    boolean isClosed();

    /** Releases the memory. Idempotent. */
    @Override
    void close();

    /** {@return "rows×cols", for messages} */
    default String shape() {
        return rows() + "×" + cols();
    }
}
