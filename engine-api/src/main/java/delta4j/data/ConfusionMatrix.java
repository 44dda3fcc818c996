package delta4j.data;

/** Counts of (true class, predicted class) pairs; rows are true classes, columns predictions. */
public record ConfusionMatrix(long[][] counts) {

    public int classes() {
        return counts.length;
    }

    public long total() {
        long s = 0;
        for (long[] row : counts) {
            for (long v : row) {
                s += v;
            }
        }
        return s;
    }

    /** {@return diagonal over total} */
    public double accuracy() {
        long hit = 0;
        for (int k = 0; k < counts.length; k++) {
            hit += counts[k][k];
        }
        return total() == 0 ? 0 : (double) hit / total();
    }

    /** {@return recall of class k: correct predictions of k over samples of k} */
    public double recall(int k) {
        long n = 0;
        for (long v : counts[k]) {
            n += v;
        }
        return n == 0 ? 0 : (double) counts[k][k] / n;
    }

    /** {@return precision of class k: correct predictions of k over predictions of k} */
    public double precision(int k) {
        long n = 0;
        for (long[] row : counts) {
            n += row[k];
        }
        return n == 0 ? 0 : (double) counts[k][k] / n;
    }

    /** {@return a plain-text table for terminals} */
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
