package delta4j.cli.io;

import delta4j.data.ByteDataset;
import delta4j.data.Dataset;
import delta4j.cli.report.Words;
import delta4j.data.Labels;
import delta4j.data.MappedDataset;
import delta4j.data.Samples;
import delta4j.engine.Engine;
import delta4j.model.Mlp;
import delta4j.model.Predictor;

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
 * @param labels      the class labels, in output order, for classification; the label names for multi-label data;
 *                    null for regression
 * @param standardize whether training should standardise these features (CSV yes; IDX pixels are
 *                    already scaled to [0, 1])
 * @param notes       what the reader guessed and the user should know, one line each (e.g. that row 1 was taken
 *                    as a header though some of its cells are numbers); printed as warnings
 * @param mapped      a binary data file mapped into memory, when the source is one: then {@code x} and {@code y} are
 *                    null and the samples stay in the file ({@link #samples()}); else null
 * @param multiLabel  whether the targets are K 0/1 labels that may be present together (each row may hold any number
 *                    of ones), named by {@code labels}
 * @param pixels      the features as unsigned bytes, each read as {@code (b & 0xff) / 255} (IDX images: a quarter of the
 *                    floats' memory, converted as the engine copies a batch or a prediction's chunk in, {@link ByteDataset});
 *                    then {@code x} is null; else null
 */
public record LoadedData(String source, int rows, int features, float[] x, int targets, float[] y, Labels labels,
                         boolean standardize, List<String> notes, MappedDataset mapped, boolean multiLabel, byte[] pixels)
        implements AutoCloseable {

    /** What each byte of {@link #pixels} is divided by: 8-bit pixels scaled to [0, 1]. */
    public static final float PIXEL_DIVISOR = 255f;

    public LoadedData {
        notes = List.copyOf(notes);
    }

    /** Samples of float features. */
    public LoadedData(String source, int rows, int features, float[] x, int targets, float[] y, Labels labels, boolean standardize,
                      List<String> notes, MappedDataset mapped, boolean multiLabel) {
        this(source, rows, features, x, targets, y, labels, standardize, notes, mapped, multiLabel, null);
    }

    /** Samples that are not multi-label. */
    public LoadedData(String source, int rows, int features, float[] x, int targets, float[] y, Labels labels, boolean standardize,
                      List<String> notes, MappedDataset mapped) {
        this(source, rows, features, x, targets, y, labels, standardize, notes, mapped, false);
    }

    /**
     * Images of 8-bit pixels kept as bytes, read as {@code (b & 0xff) / 255} (scaled to [0, 1]), never standardised.
     *
     * @param pixels the pixels as bytes, N × features, row-major
     * @param y      the one-hot targets, or null where the source has none
     */
    public static LoadedData ofIdx(String source, int rows, int features, byte[] pixels, int targets, float[] y, Labels labels) {
        return new LoadedData(source, rows, features, null, targets, y, labels, false, List.of(), null, false, pixels);
    }

    /** Samples read into memory. */
    public LoadedData(String source, int rows, int features, float[] x, int targets, float[] y, Labels labels, boolean standardize,
                      List<String> notes) {
        this(source, rows, features, x, targets, y, labels, standardize, notes, null);
    }

    /** Samples with nothing to note. */
    public LoadedData(String source, int rows, int features, float[] x, int targets, float[] y, Labels labels, boolean standardize) {
        this(source, rows, features, x, targets, y, labels, standardize, List.of());
    }

    /** The names of K multi-label targets when the data names none: label_1 ... label_K. */
    public static Labels labelNames(int k) {
        List<String> names = new java.util.ArrayList<>();
        for (int j = 1; j <= k; j++) {
            names.add("label_" + j);
        }
        return new Labels(names);
    }

    /**
     * A mapped binary data file read as multi-label data: its K numeric target columns are the labels, named by
     * {@code names}.
     */
    public LoadedData asMultiLabel(Labels names) {
        return new LoadedData(source, rows, features, x, targets, y, names, standardize, notes, mapped, true, pixels);
    }

    /** A mapped binary data file: its samples stay in the file; its features are standardised unless it says they are scaled. */
    public static LoadedData of(String source, MappedDataset m) {
        return new LoadedData(source, m.size(), m.features(), null, m.targets(), null, m.labels(), !m.featuresScaled(), List.of(), m);
    }

    /** The samples with their targets: the mapped file, the pixels as a {@link ByteDataset}, or the arrays as a {@link Dataset}. */
    public Samples samples() {
        if (mapped != null) {
            return mapped;
        }
        return pixels != null ? new ByteDataset(rows, features, targets, pixels, PIXEL_DIVISOR, targetMatrix()) : dataset();
    }

    /** The targets, N × targets row-major (read from the file when mapped). */
    public float[] targetMatrix() {
        if (mapped != null) {
            return mapped.targetMatrix();
        }
        if (y == null) {
            throw new DataFileException(source, "has no target columns, which this command needs");
        }
        return y;
    }

    /**
     * A model's predictions for these samples (N × outputs, targets' units). Pixels go to the predictor as bytes
     * ({@link Predictor#predict(byte[], float, float[])}: the engine converts them as it copies each chunk in); a mapped
     * file's features are read as floats in chunks of {@link Predictor#CHUNK_ROWS} rows. Either way memory holds the
     * predictions, not the features' floats, and each chunk is the batch {@link Mlp#predict} would have run: the same
     * numbers.
     */
    public float[] predict(Mlp model, Engine engine) {
        if (x != null) {
            return model.predict(engine, x);
        }
        int in = features, out = model.outputs(), n = rows;
        float[] y = new float[Math.multiplyExact(n, out)];
        try (Predictor p = model.predictor(engine)) {
            if (pixels != null) {
                p.predict(pixels, PIXEL_DIVISOR, y);
                return y;
            }
            int chunk = Predictor.CHUNK_ROWS;
            float[] buf = new float[chunk * in], part = new float[chunk * out];
            for (int from = 0; from < n; from += chunk) {
                int rows = Math.min(chunk, n - from);
                float[] bx = rows == chunk ? buf : new float[rows * in];
                float[] by = rows == chunk ? part : new float[rows * out];
                mapped.gatherFeatures(null, from, rows, bx);
                p.predict(bx, by);
                System.arraycopy(by, 0, y, from * out, rows * out);
            }
        }
        return y;
    }

    /** Unmaps a mapped file; nothing for samples in memory. */
    @Override
    public void close() {
        if (mapped != null) {
            mapped.close();
        }
    }

    /** Whether the source holds targets. */
    public boolean hasTargets() {
        return y != null;
    }

    /** Whether this is a classification data set (targets are one-hot class rows). */
    public boolean isClassification() {
        return labels != null && !multiLabel;
    }

    /** The samples as a {@link Dataset} of floats (needs targets; not for a mapped file: see {@link #samples()}). */
    public Dataset dataset() {
        if (mapped != null) {
            throw new IllegalStateException(source + " is a mapped data file: use samples()");
        }
        if (y == null) {
            throw new DataFileException(source, "has no target columns, which this command needs");
        }
        return pixels != null ? new ByteDataset(rows, features, targets, pixels, PIXEL_DIVISOR, y).toFloats()
                : new Dataset(rows, features, targets, x, y);
    }

    /** A one-line description, e.g. "data.csv: 1000 samples, 3 features, 2 targets". */
    public String describe() {
        String t = y == null ? "no targets"
                : multiLabel ? Words.count(targets, "label") : labels != null ? Words.count(labels.size(), "class", "classes")
                : Words.count(targets, "target");
        return source + ": " + Words.count(rows, "sample") + ", " + Words.count(features, "feature") + ", " + t;
    }
}
