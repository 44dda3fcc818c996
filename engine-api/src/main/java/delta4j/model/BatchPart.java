package delta4j.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * One replica's part of a global batch in synchronous data-parallel training: which rows of the global batch of
 * {@code globalRows} rows the replica holds, and how the replicas sum a vector between them. With it the training
 * pass ({@link Network#trainingForward(Network.Workspace, long, int, int, BatchPart)}) computes what single-process
 * training computes on the whole global batch:
 *
 * <ul>
 *   <li>dropout: local row i draws the mask bits of global row {@code positions[i]} (element
 *       {@code positions[i]·n + j} of {@link delta4j.engine.DropoutMask}), so the union of the replicas' masks is the
 *       mask the whole batch draws;</li>
 *   <li>batch normalisation: the per-unit mean and variance are those of the global batch (the replicas sum Σx,
 *       then Σ(x − μ)², as synchronised batch normalisation does), the running statistics move with them, so every
 *       replica keeps the same running statistics; backwards the replicas sum Σ g and Σ g ⊙ x̂ the same way.</li>
 * </ul>
 *
 * Every replica of the batch must make the same sequence of {@link Sum#sum} calls: a replica that holds no row of
 * a step calls {@link Replica#gradientWithoutRows}, which takes part in them with zeros.
 *
 * @param globalRows the rows N of the global batch
 * @param positions the global batch row of each local row, in local row order, each in [0, N)
 * @param sum the replicas' sum: every replica gets Σ over the replicas of the vectors they passed, the same values
 *        on every replica (null when no layer is batch-normalised)
 */
public record BatchPart(int globalRows, int[] positions, Sum sum) {

    /** The replicas' all-reduce of a vector of doubles. */
    @FunctionalInterface
    public interface Sum {
        /**
         * {@return Σ over the replicas of their {@code partial}, the same values on every replica}
         *
         * @param partial this replica's part, of the same length on every replica
         */
        double[] sum(double[] partial);
    }

    /**
     * Checks the positions and keeps a copy of them.
     *
     * @throws IllegalArgumentException if a position lies outside the global batch
     */
    public BatchPart {
        Objects.requireNonNull(positions, "positions");
        for (int p : positions) {
            if (p < 0 || p >= globalRows) {
                throw new IllegalArgumentException("row position " + p + " outside a global batch of " + globalRows + " rows");
            }
        }
        positions = positions.clone();
    }

    /** {@return a copy of the global batch row of each local row} */
    @Override
    public int[] positions() {
        return positions.clone();
    }

    int position(int localRow) {
        return positions[localRow];
    }

    int localRows() {
        return positions.length;
    }

    @Override
    public String toString() {
        return "BatchPart[" + positions.length + " of " + globalRows + " rows " + Arrays.toString(Arrays.copyOf(positions, Math.min(8, positions.length)))
                + "]";
    }
}
