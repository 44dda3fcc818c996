package delta4j.data;

import delta4j.engine.Engine;
import delta4j.engine.Tensor;

/**
 * Samples held in host arrays, which an engine gathers a mini-batch from straight into its tensors
 * ({@link Engine#uploadRows}): one pass over the batch, with no host copy in between. The trainer takes this path
 * for them; other {@link Samples} are gathered into a host batch and uploaded. {@link Dataset} holds floats,
 * {@link ByteDataset} unsigned bytes read as scaled floats.
 */
public interface InMemorySamples extends Samples {

    /**
     * Uploads the features of samples {@code order[from..from+dst.rows())} (samples {@code from..} when {@code order} is
     * null) into {@code dst}, row after row, as the floats {@link #gatherFeatures} gives.
     *
     * @param engine the engine that owns {@code dst}
     * @param order the sample indices, or null for the samples in order
     * @param from the first index of {@code order} (or the first sample)
     * @param dst a tensor of {@code engine} with {@link #features()} columns, one row per sample
     */
    void uploadFeatures(Engine engine, int[] order, int from, Tensor dst);

    /**
     * Like {@link #uploadFeatures} for targets ({@link #targets()} columns).
     *
     * @param engine the engine that owns {@code dst}
     * @param order the sample indices, or null for the samples in order
     * @param from the first index of {@code order} (or the first sample)
     * @param dst a tensor of {@code engine} with {@link #targets()} columns, one row per sample
     */
    void uploadTargets(Engine engine, int[] order, int from, Tensor dst);
}
