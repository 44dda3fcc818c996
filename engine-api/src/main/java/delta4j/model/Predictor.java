package delta4j.model;

import delta4j.engine.Engine;

import java.util.Arrays;

/**
 * An {@link Mlp} bound once to an engine to serve predictions: made by {@link Mlp#predictor(Engine)}, it uploads
 * the parameters once and keeps the work tensors of each batch size it has seen, so that a call moves only its
 * rows in and their outputs out. {@link #predict(float[], float[])} allocates nothing once a batch size has been
 * seen (the other forms allocate only their result); the one-shot {@link Mlp#predict(Engine, float[])} instead
 * uploads every parameter and allocates every work tensor on every call.
 *
 * <p>It serves the model as it was when the predictor was made (a copy of its parameters, standardizer and
 * labels): after training the model further, make a new predictor and close the old one. Make it from a model
 * that no other thread is changing.
 *
 * <p><b>Threads.</b> Safe to call from several threads: calls take turns on the engine, each holding the engine's
 * monitor for its whole forward pass, as {@link Mlp#predict} and {@link Trainer} do, and return exactly the
 * results of sequential calls. The same monitor is held by a {@link Trainer} for a whole training run, so on an
 * engine that is training, a prediction waits until training ends. <b>To serve while training, give the
 * predictor an engine of its own</b>: predictions then run alongside the training, one engine each, e.g.
 * <pre>{@code
 * try (Engine serving = Engines.create("cpu", new EngineConfig(1, null));   // a thread of its own
 *      Predictor live = current.predictor(serving)) {
 *     // request threads: live.predict(row, out), while another thread trains a copy of the model on its own engine
 * }
 * }</pre>
 * and when the new model is trained, make a predictor of it and swap it in.
 *
 * <p>{@link #close()} frees the engine memory (the engine itself stays open); calls after it throw
 * {@link IllegalStateException}.
 */
public final class Predictor implements AutoCloseable {

    /**
     * The most rows a prediction pushes through the engine at once: a caller that streams rows in chunks of this size
     * (the last one smaller) gets exactly the numbers of one {@link Mlp#predict} over all of them.
     */
    public static final int CHUNK_ROWS = Network.PREDICT_CHUNK;

    /** Batch sizes whose work tensors are kept: a server's usual sizes (one row, its batch) and a chunk's remainder. */
    private static final int KEPT_SIZES = 4;

    private final Engine engine;
    private final Mlp model;
    private final Network net;
    private final int inputs;
    private final int outputs;
    // The kept work tensors, least recently used first evicted; touched only under the engine's monitor.
    private final int[] keptRows = new int[KEPT_SIZES];
    private final Network.Workspace[] kept = new Network.Workspace[KEPT_SIZES];
    private final long[] lastUse = new long[KEPT_SIZES];
    private long calls;
    /** {@link #workspace}, made once: a method reference created per call would be an allocation per call. */
    private final java.util.function.IntFunction<Network.Workspace> workspaces = this::workspace;
    private boolean closed;

    Predictor(Mlp mlp, Engine engine) {
        this.engine = java.util.Objects.requireNonNull(engine, "engine");
        this.model = mlp.copy();
        this.inputs = model.inputs();
        this.outputs = model.outputs();
        synchronized (engine) {
            this.net = model.bind(engine);
        }
    }

    /** {@return the model this predictor serves (a copy made when it was created: changing it changes nothing here)} */
    public Mlp model() {
        return model;
    }

    /** {@return the engine the predictor computes on} */
    public Engine engine() {
        return engine;
    }

    /**
     * Predicts N rows of raw features (standardised here when the model has a standardizer), N × inputs row-major,
     * into {@code out}, N × outputs row-major. Allocates nothing once N has been seen.
     *
     * @param features N × inputs raw features, row-major, N ≥ 1
     * @param out receives N × outputs predictions, row-major, in the targets' units
     * @throws IllegalArgumentException when the features are not whole rows, a value is not finite, or {@code out}
     *                                  does not hold exactly N × outputs floats
     */
    public void predict(float[] features, float[] out) {
        checkOutput(net.featureRows(features), out);
        synchronized (engine) { // one forward pass at a time on this engine: see the class comment
            checkOpen();
            net.predictInto(features, out, workspaces);
        }
    }

    /**
     * Predicts N × inputs raw features, as {@link #predict(float[], float[])}.
     *
     * @param features N × inputs raw features, row-major, N ≥ 1
     * @return N × outputs predictions, row-major
     * @throws IllegalArgumentException when the features are not whole rows or a value is not finite
     */
    public float[] predict(float[] features) {
        float[] out = new float[features.length / inputs * outputs];
        predict(features, out);
        return out;
    }

    /**
     * Predicts N rows of features kept as unsigned bytes (8-bit pixels, say), each the raw feature {@code (b & 0xff) /
     * divisor} in Java's float division ({@link delta4j.data.ByteDataset}'s conversion), into {@code out}, N × outputs
     * row-major: the numbers {@link #predict(float[], float[])} gives for those floats. Without a standardizer the engine
     * converts the bytes as it copies them in ({@link Engine#uploadRows(byte[], float, int[], int, delta4j.engine.Tensor)}),
     * so no float copy of the features is made; allocates nothing once N has been seen.
     *
     * @param features N × inputs unsigned bytes, row-major, N ≥ 1
     * @param divisor what each byte is divided by: finite, positive, with 255 / divisor finite (255 for pixels in [0, 1])
     * @param out receives N × outputs predictions, row-major, in the targets' units
     * @throws IllegalArgumentException when the features are not whole rows, the divisor is not as above, or {@code out}
     *                                  does not hold exactly N × outputs floats
     */
    public void predict(byte[] features, float divisor, float[] out) {
        checkOutput(net.featureRows(features, divisor), out);
        synchronized (engine) { // one forward pass at a time on this engine: see the class comment
            checkOpen();
            net.predictInto(features, divisor, out, workspaces);
        }
    }

    /** {@code out} must hold exactly the predictions of {@code rows} rows. */
    private void checkOutput(int rows, float[] out) {
        if (out.length != rows * outputs) {
            throw new IllegalArgumentException("the output array holds " + out.length + " floats; " + rows + " rows of "
                    + outputs + " outputs need " + rows * outputs);
        }
    }

    /** Called under the engine's monitor, as {@link #close()} sets {@code closed}. */
    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this predictor was closed: make a new one with Mlp.predictor(engine)");
        }
    }

    /**
     * Predicts rows of features.
     *
     * @param rows N ≥ 1 rows of the model's number of inputs
     * @return one output row per input row
     * @throws IllegalArgumentException when a row has another length than the model's inputs, or a value is not finite
     */
    public float[][] predict(float[][] rows) {
        float[] flat = new float[rows.length * inputs];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != inputs) {
                throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " features, the model expects " + inputs);
            }
            System.arraycopy(rows[i], 0, flat, i * inputs, inputs);
        }
        float[] y = predict(flat);
        float[][] out = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = Arrays.copyOfRange(y, i * outputs, (i + 1) * outputs);
        }
        return out;
    }

    /**
     * Predicts N × inputs raw features given as doubles: converted to float once (each rounded to the nearest float),
     * outputs widened to double.
     *
     * @param features N × inputs raw features, row-major
     * @return N × outputs, in the targets' units
     */
    public double[] predict(double[] features) {
        if (features.length == 0 || features.length % inputs != 0) {
            throw new IllegalArgumentException(features.length + " feature values are not whole rows of the model's " + inputs + " inputs");
        }
        float[] f = delta4j.data.Dataset.toFloats("feature", features, inputs);
        return Mlp.widen(predict(f));
    }

    /**
     * Predicts rows of features given as doubles (converted to float once).
     *
     * @param rows rows of raw features
     * @return one output row of doubles per input row
     */
    public double[][] predict(double[][] rows) {
        if (rows.length == 0) {
            return new double[0][];
        }
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != inputs) {
                throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " features, the model expects " + inputs);
            }
        }
        return Mlp.rows(predict(delta4j.data.Dataset.toFloats("feature", rows)), rows.length, outputs);
    }

    /** The work tensors for {@code rows} rows: kept ones when this size was seen, else new ones in the least recently used slot. */
    private Network.Workspace workspace(int rows) {
        calls++;
        int slot = 0;
        for (int s = 0; s < KEPT_SIZES; s++) {
            if (kept[s] != null && keptRows[s] == rows) {
                lastUse[s] = calls;
                return kept[s];
            }
            if (kept[s] == null || (kept[slot] != null && lastUse[s] < lastUse[slot])) {
                slot = s;
            }
        }
        if (kept[slot] != null) {
            kept[slot].close();
            kept[slot] = null;
        }
        kept[slot] = new Network.Workspace(engine, rows, model);
        keptRows[slot] = rows;
        lastUse[slot] = calls;
        return kept[slot];
    }

    /** Frees the parameters and work tensors on the engine; the engine stays open. Idempotent. */
    @Override
    public void close() {
        synchronized (engine) {
            if (!closed) {
                closed = true;
                for (int s = 0; s < KEPT_SIZES; s++) {
                    if (kept[s] != null) {
                        kept[s].close();
                        kept[s] = null;
                    }
                }
                net.close();
            }
        }
    }
}
