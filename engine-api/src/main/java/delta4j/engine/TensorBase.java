package delta4j.engine;

/**
 * What every tensor holds besides its memory: its shape, the engine that owns it, and its closed state, closed
 * once. A tensor class holds the memory and frees it in {@link #release()}, where it also tells its engine (for an
 * {@link EngineBase}, {@code forget}).
 */
public abstract class TensorBase implements Tensor {

    private final Engine engine;
    private final int rows;
    private final int cols;
    private boolean closed;

    /**
     * For subclasses: an open rows × cols tensor of {@code engine}.
     *
     * @param engine the engine that owns the tensor, which {@link #engine()} returns
     * @param rows the number of rows
     * @param cols the number of columns
     */
    protected TensorBase(Engine engine, int rows, int cols) {
        this.engine = engine;
        this.rows = rows;
        this.cols = cols;
    }

    @Override
    public final int rows() {
        return rows;
    }

    @Override
    public final int cols() {
        return cols;
    }

    @Override
    public final Engine engine() {
        return engine;
    }

    @Override
    public final boolean isClosed() {
        return closed;
    }

    /** Releases the memory on the first call ({@link #release()}); later calls do nothing. */
    @Override
    public final void close() {
        if (!closed) {
            closed = true;
            release();
        }
    }

    /** Frees the memory and tells the engine; called once, by the first {@link #close()}. */
    protected abstract void release();

    @Override
    public String toString() {
        return engine.name() + " tensor [" + shape() + (closed ? ", closed" : "") + "]";
    }
}
