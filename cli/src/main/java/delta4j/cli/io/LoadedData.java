package delta4j.cli.io;

import delta4j.data.Dataset;
import delta4j.cli.report.Words;
import delta4j.data.Labels;

import java.util.List;

/**
 * Samples read from a data source, before any standardisation: features (N × features, row-major) and,
 * when the source has them, targets (N × targets; one-hot rows for classification).
 *
 * @param source      the source as the user named it
 * @param rows        number of samples N
 * @param features    features per sample
 * @param x           features, row-major
 * @param targets     target columns per sample (the number of classes for classification), 0 when absent
 * @param y           targets, row-major, or null when the source has none (prediction input)
 * @param labels      the class labels, in output order, for classification; null for regression
 * @param standardize whether training should standardise these features (CSV yes; IDX pixels are
 *                    already scaled to [0, 1])
 * @param notes       what the reader guessed and the user should know, one line each (e.g. that row 1 was taken
 *                    as a header though some of its cells are numbers); printed as warnings
 */
public record LoadedData(String source, int rows, int features, float[] x, int targets, float[] y, Labels labels,
                         boolean standardize, List<String> notes) {

    public LoadedData {
        notes = List.copyOf(notes);
    }

    /** Samples with nothing to note. */
    public LoadedData(String source, int rows, int features, float[] x, int targets, float[] y, Labels labels, boolean standardize) {
        this(source, rows, features, x, targets, y, labels, standardize, List.of());
    }

    /** Whether the source holds targets. */
    public boolean hasTargets() {
        return y != null;
    }

    /** Whether this is a classification data set (targets are one-hot class rows). */
    public boolean isClassification() {
        return labels != null;
    }

    /** The samples as a {@link Dataset} (needs targets). */
    public Dataset dataset() {
        if (y == null) {
            throw new DataFileException(source, "has no target columns, which this command needs");
        }
        return new Dataset(rows, features, targets, x, y);
    }

    /** A one-line description, e.g. "data.csv: 1000 samples, 3 features, 2 targets". */
    public String describe() {
        String t = y == null ? "no targets"
                : labels != null ? Words.count(labels.size(), "class", "classes") : Words.count(targets, "target");
        return source + ": " + Words.count(rows, "sample") + ", " + Words.count(features, "feature") + ", " + t;
    }
}
