package delta4j.cli.io;

import delta4j.cli.report.Words;
import delta4j.data.DataFile;
import delta4j.data.DataFileFormatException;
import delta4j.data.Labels;
import delta4j.data.MappedDataset;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Turns a command line's data SOURCE into samples. A SOURCE is
 * <ul>
 * <li>a CSV file (see {@link CsvReader}),</li>
 * <li>a folder holding the four IDX files of MNIST or Fashion-MNIST ({@code train-images-idx3-ubyte},
 *     {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte},
 *     each raw or {@code .gz}): the training pair for training, the t10k pair for testing, or</li>
 * <li>the word {@code fashion-mnist}: the folder that Debian's {@code dataset-fashion-mnist} package
 *     installs ({@value #FASHION_MNIST_DIR}), or</li>
 * <li>a binary data file written by {@code delta4j convert} (docs/DATA_FORMAT.md, recognised by its content), which
 *     is mapped into memory rather than read: its samples stay in the file.</li>
 * </ul>
 * IDX pixels are scaled to [0, 1] (kept as bytes and converted by the engine as it copies a batch or a prediction's
 * chunk in: {@link LoadedData#pixels}) and labels become one-hot rows of {@code max label + 1} classes named "0", "1", ...
 */
public final class DataSources {

    /** Where Debian's dataset-fashion-mnist package puts the files. */
    public static final String FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";
    /** System property that overrides {@link #FASHION_MNIST_DIR} (tests, unusual installs). */
    public static final String FASHION_MNIST_PROPERTY = "delta4j.fashionMnist.dir";
    /**
     * System property that names the folder of gzipped data files' decompressed copies, or {@code off} (else the
     * {@code DELTA4J_CACHE_DIR} environment variable, else the user's cache directory; docs/CLI.md).
     */
    public static final String CACHE_DIR_PROPERTY = GunzipCache.DIR_PROPERTY;

    /** Which part of a two-part source (IDX folder) to read. */
    public enum Part {
        TRAIN("train"), TEST("t10k");

        final String prefix;

        Part(String prefix) {
            this.prefix = prefix;
        }
    }

    /**
     * What the reader knows in advance.
     *
     * @param task             regression, classification or multi-label (applies to CSV and data files; IDX is always
     *                         classification)
     * @param targetColumns    K target columns of a regression or multi-label CSV
     * @param labels           class labels (label names for multi-label) of a trained model, or null to take them from
     *                         the data
     * @param expectedFeatures the features a trained model expects, or 0
     * @param targets          whether targets must be present
     * @param taskGiven        whether the user chose the task explicitly (else IDX may override it)
     */
    public record Request(CsvReader.Task task, int targetColumns, Labels labels, int expectedFeatures,
                          CsvReader.Targets targets, boolean taskGiven) {
    }

    private DataSources() {
    }

    /** Whether a SOURCE names IDX data (a folder or the fashion-mnist keyword) rather than a CSV file. */
    public static boolean isIdx(String source) {
        return isFashionMnist(source) || Files.isDirectory(Path.of(source));
    }

    /**
     * Whether a SOURCE loads with its features kept as bytes ({@link LoadedData#pixels}): IDX data, every part of it. The
     * engine converts them as it copies them in, a training batch ({@code Engine.uploadRows} of bytes) or a prediction's
     * chunk ({@code Predictor.predict} of bytes) at a time, in its compiled gather; a test part converted to floats as it
     * loaded took the loading thread's time while the JIT and the warm-up needed the cores, and the prediction then
     * checked and copied every float.
     */
    public static boolean keepsBytes(String source) {
        return isIdx(source);
    }

    /** Whether a SOURCE is the fashion-mnist keyword. */
    public static boolean isFashionMnist(String source) {
        return source.trim().toLowerCase(Locale.ROOT).equals("fashion-mnist");
    }

    /** Whether a SOURCE is a binary data file ({@code delta4j convert}'s output), by its content. */
    public static boolean isDataFile(String source) {
        return !isFashionMnist(source) && DataFile.isDataFile(Path.of(source));
    }

    /** The task of a binary data file: classification when it holds class labels; read from its header and metadata alone. */
    public static CsvReader.Task dataFileTask(String source) throws IOException {
        try (MappedDataset m = MappedDataset.open(Path.of(source), MappedDataset.Check.HEADER)) {
            return m.labels() != null ? CsvReader.Task.CLASSIFICATION : CsvReader.Task.REGRESSION;
        } catch (DataFileFormatException e) {
            throw asDataFileException(source, e);
        }
    }

    /** Reads a SOURCE. */
    public static LoadedData load(String source, Part part, Request r) throws IOException {
        if (isFashionMnist(source)) {
            return loadIdx(source, fashionMnistDir(), part, r);
        }
        Path p = Path.of(source);
        if (Files.isDirectory(p)) {
            return loadIdx(source, p, part, r);
        }
        if (!Files.exists(p)) {
            throw new DataFileException(source, "no such file or folder: give a CSV file, a folder of IDX files, or fashion-mnist");
        }
        if (!Files.isReadable(p)) {
            throw new DataFileException(source, "cannot be read (permission denied)");
        }
        if (DataFile.isDataFile(p)) {
            return loadMapped(source, p, r);
        }
        CsvReader.Options o = new CsvReader.Options(r.task(), r.task() == CsvReader.Task.CLASSIFICATION ? 1 : r.targetColumns(),
                r.labels(), r.expectedFeatures(), r.targets());
        return CsvReader.read(p, o);
    }

    /**
     * The most rows a SOURCE of {@code features} features can hold, where its size says so without reading it: a
     * CSV file spends at least a character and a separator on every value. {@link Long#MAX_VALUE} for IDX data, a
     * binary data file, or a file that cannot be looked at (reading it will say why).
     */
    public static long mostRows(String source, int features) {
        if (isIdx(source) || isDataFile(source)) {
            return Long.MAX_VALUE;
        }
        try {
            return Files.size(Path.of(source)) / (2L * Math.max(1, features));
        } catch (IOException | RuntimeException e) {
            return Long.MAX_VALUE;
        }
    }

    /** Whether an IDX SOURCE has the images of a part (e.g. the t10k test files); false for CSV. */
    public static boolean hasPart(String source, Part part) {
        if (isFashionMnist(source)) {
            return findIdx(fashionMnistDir(), part, "images") != null;
        }
        Path p = Path.of(source);
        return Files.isDirectory(p) && findIdx(p, part, "images") != null;
    }

    /**
     * The files a SOURCE reads: the CSV file, or the IDX files of a folder (both parts); empty for a
     * fashion-mnist keyword whose folder is missing. For comparing with the files a command writes.
     */
    public static List<Path> files(String source) {
        Path dir;
        if (isFashionMnist(source)) {
            dir = Path.of(System.getProperty(FASHION_MNIST_PROPERTY, FASHION_MNIST_DIR));
        } else if (Files.isDirectory(Path.of(source))) {
            dir = Path.of(source);
        } else {
            return List.of(Path.of(source));
        }
        List<Path> out = new ArrayList<>();
        for (Part part : Part.values()) {
            for (String kind : List.of("images", "labels")) {
                Path p = Files.isDirectory(dir) ? findIdx(dir, part, kind) : null;
                if (p != null) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /** The Fashion-MNIST folder, or an error that says how to get it. */
    public static Path fashionMnistDir() {
        Path dir = Path.of(System.getProperty(FASHION_MNIST_PROPERTY, FASHION_MNIST_DIR));
        if (!Files.isDirectory(dir) || findIdx(dir, Part.TRAIN, "images") == null) {
            throw new DataFileException("fashion-mnist", "the Fashion-MNIST files are not in " + dir
                    + ": install them with 'sudo apt-get install dataset-fashion-mnist' (Debian, Ubuntu), or download the four"
                    + " files from https://github.com/zalandoresearch/fashion-mnist into a folder and give --data FOLDER");
        }
        return dir;
    }

    /** A format error of a data file as the CLI reports data problems: the file, then the problem. */
    private static DataFileException asDataFileException(String source, DataFileFormatException e) {
        String m = e.getMessage(), prefix = e.file() + ": ";
        return new DataFileException(source, m.startsWith(prefix) ? m.substring(prefix.length()) : m, e);
    }

    /**
     * Maps a binary data file after checking all of it (checksums, finite values), and checks it against the request:
     * the task, and a model's feature count and classes.
     */
    private static LoadedData loadMapped(String source, Path p, Request r) throws IOException {
        MappedDataset m;
        try {
            m = MappedDataset.open(p);
        } catch (DataFileFormatException e) {
            throw asDataFileException(source, e);
        }
        try {
            boolean classes = m.labels() != null;
            if (r.taskGiven() && classes != (r.task() == CsvReader.Task.CLASSIFICATION)) {
                throw new DataFileException(source, classes
                        ? "holds class labels " + m.labels().names() + " (a classification data set): use --task classification or leave --task out"
                        : "holds numeric targets (a regression data set): use --task regression or leave --task out, or convert the data again"
                        + " with --task classification");
            }
            if (r.expectedFeatures() > 0 && r.expectedFeatures() != m.features()) {
                throw new DataFileException(source, "holds " + Words.count(m.features(), "feature") + ", but the model expects "
                        + Words.count(r.expectedFeatures(), "feature") + ": the feature count does not match the model");
            }
            if (r.task() == CsvReader.Task.MULTILABEL) {
                return multiLabel(source, m, r);
            }
            if (r.labels() != null && !classes) {
                throw new DataFileException(source, "holds numeric targets, but the model is a classifier of " + r.labels().names()
                        + ": convert the data with --task classification");
            }
            if (r.labels() != null && !r.labels().names().equals(m.labels().names())) {
                throw new DataFileException(source, "holds the classes " + m.labels().names() + ", the model knows " + r.labels().names()
                        + " (in its output order): convert the data so that its classes are the model's");
            }
            if (r.labels() == null && classes && r.expectedFeatures() > 0) {
                throw new DataFileException(source, "holds class labels " + m.labels().names() + ", but the model is a regression model");
            }
            return LoadedData.of(source, m);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** A data file of numeric targets read as multi-label data: every target must be 0 or 1. */
    private static LoadedData multiLabel(String source, MappedDataset m, Request r) {
        if (m.labels() != null) {
            throw new DataFileException(source, "holds class labels " + m.labels().names() + " (one class per sample), not multi-label"
                    + " targets: convert the CSV again with --task multilabel --targets K");
        }
        if (r.expectedFeatures() > 0 && r.targetColumns() != m.targets()) {
            throw new DataFileException(source, "holds " + Words.count(m.targets(), "target column") + ", but the model has "
                    + Words.count(r.targetColumns(), "label"));
        }
        float[] t = m.targetMatrix();
        int k = m.targets();
        for (int i = 0; i < t.length; i++) {
            if (t[i] != 0 && t[i] != 1) {
                throw new DataFileException(source, "sample " + (i / k + 1) + ", target column " + (i % k + 1) + " holds " + t[i]
                        + ": multi-label targets must be 0 (absent) or 1 (present)");
            }
        }
        List<String> names = m.targetNames();
        Labels labels = r.labels() != null ? r.labels()
                : names.size() == k && names.stream().noneMatch(String::isEmpty) && names.stream().distinct().count() == k
                ? new Labels(names) : LoadedData.labelNames(k);
        return LoadedData.of(source, m).asMultiLabel(labels);
    }

    private static LoadedData loadIdx(String source, Path dir, Part part, Request r) throws IOException {
        if (r.taskGiven() && r.task() != CsvReader.Task.CLASSIFICATION) {
            throw new DataFileException(source, "IDX data (images and class labels) is a classification task: use --task classification or leave --task out");
        }
        Path imagesFile = findIdx(dir, part, "images");
        Path labelsFile = findIdx(dir, part, "labels");
        if (imagesFile == null || (labelsFile == null && r.targets() == CsvReader.Targets.REQUIRED)) {
            throw new DataFileException(source, "the folder has no " + part.prefix + "-" + (imagesFile == null ? "images-idx3" : "labels-idx1")
                    + "-ubyte[.gz] file: an IDX folder holds train-images-idx3-ubyte, train-labels-idx1-ubyte,"
                    + " t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (raw or .gz)");
        }
        IdxReader.Images images = IdxReader.readImages(imagesFile);
        int f = images.pixelsPerImage(), n = images.count();
        if (r.expectedFeatures() > 0 && r.expectedFeatures() != f) {
            throw new DataFileException(imagesFile.toString(), "images have " + images.rows() + " × " + images.cols() + " = " + f
                    + " pixels, but the model expects " + Words.count(r.expectedFeatures(), "feature") + ": the feature count does not match the model");
        }
        byte[] pixels = images.pixels(); // kept as bytes (keepsBytes)
        if (labelsFile == null) {
            return LoadedData.ofIdx(source, n, f, pixels, 0, null, r.labels());
        }
        byte[] raw = IdxReader.readLabels(labelsFile);
        if (raw.length != n) {
            throw new DataFileException(labelsFile.toString(), "holds " + Words.count(raw.length, "label") + ", but " + imagesFile.getFileName()
                    + " holds " + Words.count(n, "image") + ": the counts must match (mixed-up or truncated files?)");
        }
        int[] k = new int[n];
        int max = 0;
        for (int i = 0; i < n; i++) {
            k[i] = raw[i] & 0xff;
            max = Math.max(max, k[i]);
        }
        Labels labels = r.labels() != null ? r.labels() : Labels.numbered(max + 1);
        for (int i = 0; i < n; i++) {
            if (k[i] >= labels.size()) {
                throw new DataFileException(labelsFile.toString(), "label " + k[i] + " of item " + i + " is outside the model's "
                        + labels.size() + " classes 0.." + (labels.size() - 1));
            }
            // A model's labels are the numbers 0..K-1 for IDX data; map through the names in case they are not.
            k[i] = r.labels() != null ? indexOfNumber(labels, k[i], labelsFile, i) : k[i];
        }
        return LoadedData.ofIdx(source, n, f, pixels, labels.size(), Labels.oneHot(k, labels.size()), labels);
    }


    private static int indexOfNumber(Labels labels, int value, Path file, int item) {
        try {
            return labels.indexOf(Integer.toString(value));
        } catch (IllegalArgumentException e) {
            throw new DataFileException(file.toString(), "label " + value + " of item " + item + " is not a class of the model; it knows "
                    + labels.names());
        }
    }

    private static final Pattern IDX_NAME = Pattern.compile("(train|t10k)[-_.](images|labels)[-_.]idx[13][-_.]ubyte(\\.gz)?");

    /** The IDX file of a part ("images" or "labels") in a folder, or null: the uncompressed one when both are there. */
    public static Path idxFile(Path dir, Part part, String kind) {
        return findIdx(dir, part, kind);
    }

    /** Finds {@code <prefix>-<kind>-idx?-ubyte[.gz]} (also the {@code .idx3-ubyte} spelling) in a folder. */
    static Path findIdx(Path dir, Part part, String kind) {
        List<Path> hits = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
                var m = IDX_NAME.matcher(name);
                if (m.matches() && m.group(1).equals(part.prefix) && m.group(2).equals(kind) && Files.isRegularFile(p)) {
                    hits.add(p);
                }
            }
        } catch (IOException e) {
            return null;
        }
        // Prefer the uncompressed file when both are there (faster to read).
        hits.sort((a, b) -> Boolean.compare(a.toString().endsWith(".gz"), b.toString().endsWith(".gz")));
        return hits.isEmpty() ? null : hits.get(0);
    }
}
