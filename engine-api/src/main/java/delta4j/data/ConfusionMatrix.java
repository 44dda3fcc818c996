package delta4j.data;

/**
 * Counts of (true class, predicted class) pairs; rows are true classes, columns predictions.
 *
 * @param counts the K × K counts: {@code counts[t][p]} samples of true class t were predicted as p
 */
public record ConfusionMatrix(long[][] counts) {

    /** {@return the number of classes K} */
    public int classes() {
        return counts.length;
    }

    /** {@return the number of samples counted} */
    public long total() {
        long s = 0;
        for (long[] row : counts) {
            for (long v : row) {
                s += v;
            }
        }
        return s;
    }

    /** {@return the accuracy: the diagonal's sum over the total, in [0, 1]; 0 when nothing was counted} */
    public double accuracy() {
        long hit = 0;
        for (int k = 0; k < counts.length; k++) {
            hit += counts[k][k];
        }
        return total() == 0 ? 0 : (double) hit / total();
    }

    /**
     * {@return the recall of class k: correct predictions of k over samples of k; 0 when there are none}
     *
     * @param k the class, in [0, K)
     */
    public double recall(int k) {
        long n = 0;
        for (long v : counts[k]) {
            n += v;
        }
        return n == 0 ? 0 : (double) counts[k][k] / n;
    }

    /**
     * {@return the precision of class k: correct predictions of k over predictions of k; 0 when there are none}
     *
     * @param k the class, in [0, K)
     */
    public double precision(int k) {
        long n = 0;
        for (long[] row : counts) {
            n += row[k];
        }
        return n == 0 ? 0 : (double) counts[k][k] / n;
    }

    /**
     * {@return a plain-text table for terminals, one line per true class}
     *
     * @param labels the class names heading the rows and columns, K of them
     */
    public String format(java.util.List<String> labels) {
        StringBuilder sb = new StringBuilder("true\\pred");
        for (int k = 0; k < classes(); k++) {
            sb.append(String.format(" %8s", labels == null ? Integer.toString(k) : labels.get(k)));
        }
        sb.append('\n');
        for (int i = 0; i < classes(); i++) {
            sb.append(String.format("%9s", labels == null ? Integer.toString(i) : labels.get(i)));
            for (int k = 0; k < classes(); k++) {
                sb.append(String.format(" %8d", counts[i][k]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
