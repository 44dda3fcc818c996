package delta4j.spark;

import java.util.Locale;

/** How the partitions of a Spark fit cooperate; the {@code mode} param's values. */
public enum TrainingMode {
    /**
     * Synchronous data parallelism in one barrier stage: every global batch is split across the partitions,
     * the partial gradients are summed by an all-reduce and every replica takes the same optimizer step.
     * The same computation as single-process training on the same global batches.
     */
    SYNC("sync"),
    /**
     * Local SGD in one barrier stage: each partition takes {@code averageEvery} optimizer steps on its own
     * shard, then parameters and optimizer state are averaged over the partitions.
     */
    AVERAGE("average"),
    /**
     * The simple baseline of {@link #SYNC}: the driver holds the model and runs one Spark job per step,
     * summing the partitions' gradients with {@code treeAggregate}. Same result, one job per step.
     */
    AGGREGATE("aggregate");

    private final String id;

    TrainingMode(String id) {
        this.id = id;
    }

    /** The param value. */
    public String id() {
        return id;
    }

    /** Parses a param value. */
    public static TrainingMode parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (TrainingMode m : values()) {
            if (m.id.equals(n)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown mode '" + name + "': use sync, average or aggregate");
    }
}
