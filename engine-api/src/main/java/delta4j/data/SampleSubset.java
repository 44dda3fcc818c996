package delta4j.data;

/**
 * Samples {@code indices[0..n)} of another sample set, gathered through the indices: a split or subset of a data
 * set larger than the heap costs its index array alone.
 */
final class SampleSubset implements Samples {

    private final Samples source;
    private final int[] indices;
    // A gather's rows are looked up through this scratch array, so a subset gathers as its source does.
    private final ThreadLocal<int[]> scratch;

    SampleSubset(Samples source, int[] indices) {
        if (indices.length == 0) {
            throw new IllegalArgumentException("the dataset is empty (0 samples): give at least one index");
        }
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= source.size()) {
                throw new IndexOutOfBoundsException("index " + indices[i] + " at position " + i + " is outside the " + source.size() + " samples");
            }
        }
        this.source = source;
        this.indices = indices.clone();
        this.scratch = ThreadLocal.withInitial(() -> new int[0]);
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public int features() {
        return source.features();
    }

    @Override
    public int targets() {
        return source.targets();
    }

    @Override
    public void gatherFeatures(int[] order, int from, int count, float[] dst) {
        source.gatherFeatures(lookUp(order, from, count), 0, count, dst);
    }

    @Override
    public void gatherTargets(int[] order, int from, int count, float[] dst) {
        source.gatherTargets(lookUp(order, from, count), 0, count, dst);
    }

    @Override
    public Samples subset(int[] sub) {
        int[] composed = new int[sub.length];
        for (int i = 0; i < sub.length; i++) {
            if (sub[i] < 0 || sub[i] >= indices.length) {
                throw new IndexOutOfBoundsException("index " + sub[i] + " at position " + i + " is outside the " + indices.length + " samples");
            }
            composed[i] = indices[sub[i]];
        }
        return new SampleSubset(source, composed);
    }

    /** The source's indices of rows {@code order[from..from+count)} (or {@code from..from+count)) of this subset. */
    private int[] lookUp(int[] order, int from, int count) {
        int[] at = scratch.get();
        if (at.length < count) {
            at = new int[count];
            scratch.set(at);
        }
        for (int r = 0; r < count; r++) {
            at[r] = indices[order == null ? from + r : order[from + r]];
        }
        return at;
    }
}
