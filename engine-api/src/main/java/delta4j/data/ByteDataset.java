package delta4j.data;

import delta4j.engine.Engine;
import delta4j.engine.KernelChecks;
import delta4j.engine.Tensor;

/**
 * An in-memory data set whose features are unsigned bytes (8-bit pixels, say), each read as the float
 * {@code (b & 0xff) / divisor}: the same samples as the {@link Dataset} of those floats, in a quarter of its memory.
 * A divisor of 255 scales pixels to [0, 1] as image libraries do, bit for bit as {@code (b & 0xff) / 255f}.
 *
 * <p>Why bytes: the floats of a data set that arrives as bytes are four times its size, and writing them costs the
 * first touch of that memory, which is most of reading Fashion-MNIST's 47 MB of pixels (188 MB as floats) and
 * happens while the JIT warms the engine on the same cores. An engine converts the bytes in its mini-batch gather
 * ({@link Engine#uploadRows(byte[], float, int[], int, Tensor)}), in the pass that copies them anyway, and the trainer
 * trains to the same weights as on the floats. Targets are floats, checked to be finite.
 */
public final class ByteDataset implements InMemorySamples {

    private final int size;
    private final int features;
    private final int targets;
    private final byte[] x;
    private final float divisor;
    private final float[] y;

    /**
     * Wraps flat row-major arrays (not copied: do not change them afterwards).
     *
     * @param size the number of samples N, at least 1
     * @param features the number of features per sample, at least 1
     * @param targets the number of targets per sample, at least 1
     * @param x the features as unsigned bytes, N × features, row-major
     * @param divisor what each byte is divided by: finite, positive, with 255 / divisor finite (255 for pixels in [0, 1])
     * @param y the targets, N × targets, row-major
     * @throws IllegalArgumentException for an empty set, mismatched lengths, such a divisor or a non-finite target
     */
    public ByteDataset(int size, int features, int targets, byte[] x, float divisor, float[] y) {
        Dataset.checkShape(size, features, targets, x.length, "bytes", y);
        KernelChecks.byteDivisor(divisor);
        Dataset.checkFinite("target", y, targets);
        this.size = size;
        this.features = features;
        this.targets = targets;
        this.x = x;
        this.divisor = divisor;
        this.y = y;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int features() {
        return features;
    }

    @Override
    public int targets() {
        return targets;
    }

    /** {@return what each feature byte is divided by} */
    public float divisor() {
        return divisor;
    }

    /** Copies the features of samples {@code order[from..from+count)} into {@code dst} as floats, row after row. */
    @Override
    public void gatherFeatures(int[] order, int from, int count, float[] dst) {
        KernelChecks.gatherRows(x, divisor, order, from, count, features, dst);
    }

    @Override
    public void gatherTargets(int[] order, int from, int count, float[] dst) {
        KernelChecks.gatherRows(y, order, from, count, targets, dst);
    }

    /** Uploads features as {@link Engine#uploadRows(byte[], float, int[], int, Tensor)} converts them, in its one pass. */
    @Override
    public void uploadFeatures(Engine engine, int[] order, int from, Tensor dst) {
        engine.uploadRows(x, divisor, order, from, dst);
    }

    @Override
    public void uploadTargets(Engine engine, int[] order, int from, Tensor dst) {
        engine.uploadRows(y, order, from, dst);
    }

    @Override
    public double targetRowSum(int i) {
        return Dataset.rowSum(y, i, targets);
    }

    @Override
    public float[] targetMatrix() {
        return y.clone();
    }

    /** The samples at the given indices, in that order (copied, still bytes). */
    @Override
    public ByteDataset subset(int[] indices) {
        if (indices.length == 0) {
            throw new IllegalArgumentException("the dataset is empty (0 samples): give at least one index");
        }
        byte[] sx = new byte[Math.multiplyExact(indices.length, features)];
        float[] sy = new float[Math.multiplyExact(indices.length, targets)];
        for (int r = 0; r < indices.length; r++) {
            int i = indices[r];
            if (i < 0 || i >= size) {
                throw new IndexOutOfBoundsException("index " + i + " at position " + r + " is outside the " + size + " samples");
            }
            System.arraycopy(x, i * features, sx, r * features, features);
        }
        gatherTargets(indices, 0, indices.length, sy);
        return new ByteDataset(indices.length, features, targets, sx, divisor, sy);
    }

    /** {@return the same samples as a {@link Dataset} of floats (four times the memory)} */
    public Dataset toFloats() {
        float[] fx = new float[Math.multiplyExact(size, features)];
        gatherFeatures(null, 0, size, fx);
        return new Dataset(size, features, targets, fx, y.clone());
    }
}
