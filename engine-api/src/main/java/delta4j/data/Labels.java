package delta4j.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The class labels of a classification task, in the order of the output units, and their one-hot
 * encoding: label k becomes the target row e_k.
 */
public final class Labels {

    private final List<String> names;
    private final Map<String, Integer> index = new HashMap<>();

    /**
     * Labels in output order.
     *
     * @param names the label of each output unit, distinct, at least one (copied)
     * @throws IllegalArgumentException if the list is empty or a label appears twice
     */
    public Labels(List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a classification task needs at least one class label");
        }
        this.names = List.copyOf(names);
        for (int k = 0; k < this.names.size(); k++) {
            if (index.put(this.names.get(k), k) != null) {
                throw new IllegalArgumentException("class label '" + this.names.get(k) + "' appears twice");
            }
        }
    }

    /**
     * {@return labels "0", "1", ..., "k−1"}
     *
     * @param classes the number of classes k, at least 1
     * @throws IllegalArgumentException if {@code classes} is below 1
     */
    public static Labels numbered(int classes) {
        List<String> n = new ArrayList<>();
        for (int k = 0; k < classes; k++) {
            n.add(Integer.toString(k));
        }
        return new Labels(n);
    }

    /**
     * The sorted distinct labels of a column: numerically when every label is an integer, else
     * lexicographically.
     *
     * @param column the label of every sample
     * @return the distinct labels, sorted
     * @throws IllegalArgumentException if the column is empty
     */
    public static Labels fromColumn(List<String> column) {
        List<String> distinct = new ArrayList<>(new java.util.TreeSet<>(column));
        boolean numeric = distinct.stream().allMatch(s -> s.matches("-?\\d{1,18}"));
        if (numeric) {
            distinct.sort(java.util.Comparator.comparingLong(Long::parseLong));
        }
        return new Labels(distinct);
    }

    /** {@return the number of classes} */
    public int size() {
        return names.size();
    }

    /** {@return the labels in output order (unmodifiable)} */
    public List<String> names() {
        return names;
    }

    /**
     * {@return the label of output unit k}
     *
     * @param k the class index, in [0, size())
     * @throws IndexOutOfBoundsException if {@code k} is out of range
     */
    public String name(int k) {
        return names.get(k);
    }

    /**
     * {@return the class index of a label, its output unit}
     *
     * @param label the label, exactly as given when the labels were made
     * @throws IllegalArgumentException if the label is unknown, listing the known ones
     */
    public int indexOf(String label) {
        Integer k = index.get(label);
        if (k == null) {
            throw new IllegalArgumentException("unknown class label '" + label + "': the model knows " + names);
        }
        return k;
    }

    /**
     * {@return one-hot rows (N × classes, row-major) for class indices}
     *
     * @param classes the class index of each of the N samples
     * @param classCount the number of classes, the rows' width
     * @throws IllegalArgumentException if an index is outside [0, classCount)
     */
    public static float[] oneHot(int[] classes, int classCount) {
        float[] t = new float[classes.length * classCount];
        for (int i = 0; i < classes.length; i++) {
            if (classes[i] < 0 || classes[i] >= classCount) {
                throw new IllegalArgumentException("class index " + classes[i] + " of sample " + i + " is outside 0.." + (classCount - 1));
            }
            t[i * classCount + classes[i]] = 1f;
        }
        return t;
    }

    /**
     * {@return one-hot rows (N × size(), row-major) for label strings}
     *
     * @param labels the label of each of the N samples
     * @throws IllegalArgumentException if a label is unknown
     */
    public float[] oneHot(List<String> labels) {
        int[] k = new int[labels.size()];
        for (int i = 0; i < k.length; i++) {
            k[i] = indexOf(labels.get(i));
        }
        return oneHot(k, size());
    }
}
