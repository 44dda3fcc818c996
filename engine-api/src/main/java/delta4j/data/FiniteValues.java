package delta4j.data;

/**
 * The scan behind every "is not finite" check of features and targets: data sets as they are made, batches as a
 * {@link BatchSource} gives them, files as they are written, and features as a model predicts them. Each caller words
 * its own message from the index this finds.
 *
 * <p>It lives here, and the model's checks call it, for the JIT: the {@code ./delta4j} launcher keeps C2 off the
 * model's layer ({@code delta4j.model}, scripts/jit-directives.json), whose methods run once a step and are compiled
 * by C1 alone, so a scan over millions of values there ran in C1's code, several times slower than C2's (a
 * prediction over a test set scans every feature). The constraint it keeps: no loop over a data set's or a batch's
 * values belongs in {@code delta4j.model}.
 */
public final class FiniteValues {

    private FiniteValues() {
    }

    /**
     * {@return the index of the first NaN or infinity in {@code v[from, to)}, or −1 when every value there is finite}
     *
     * @param v    the values
     * @param from the first index scanned
     * @param to   one past the last index scanned
     */
    public static int firstNonFinite(float[] v, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!Float.isFinite(v[i])) {
                return i;
            }
        }
        return -1;
    }
}
