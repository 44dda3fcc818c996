package delta4j.cli;

import delta4j.cli.io.CsvReader;
import delta4j.cli.io.DataFileException;
import delta4j.cli.io.DataSources;
import delta4j.cli.io.IdxReader;
import delta4j.cli.report.Words;
import delta4j.data.DataFile;
import delta4j.data.DataFileWriter;
import delta4j.data.Labels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code delta4j convert}: a CSV file or IDX data to a binary data file (docs/DATA_FORMAT.md), in one streaming pass
 * at constant memory, written atomically. train, eval and predict map the result instead of reading it.
 */
@Command(usageHelpAutoWidth = true, name = "convert", sortOptions = false,
        description = {"Convert data to a binary data file (float32, docs/DATA_FORMAT.md) that train, eval and predict map into"
                + " memory instead of reading: data larger than the heap, and no parsing at every run.",
                "The source is read once, row by row, in constant memory (a classification CSV's labels are collected as they"
                        + " come and sorted at the end, as train sorts them); the file appears only when complete.", ""},
        footer = {"", "Examples:",
                "  delta4j convert --data houses.csv --targets 1 --out houses.d4jdata",
                "  delta4j convert --data fashion-mnist --out fashion-train.d4jdata",
                "  delta4j convert --data fashion-mnist --part test --out fashion-test.d4jdata",
                "  delta4j train --data fashion-train.d4jdata --test fashion-test.d4jdata --layers 784,256,10"})
final class ConvertCommand extends Common implements Callable<Integer> {

    /** An IDX file name: its part (train or t10k) and kind; the pair of an images file is found beside it. */
    private static final Pattern IDX_FILE = Pattern.compile("(?i)(train|t10k)([-_.])(images|labels)([-_.]idx)([13])([-_.]ubyte(?:\\.gz)?)");

    @Option(names = "--data", required = true, paramLabel = "SOURCE",
            description = "A CSV file, a folder of IDX files, an IDX images file (its labels file beside it), or fashion-mnist.")
    String data;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The binary data file to write (atomically), e.g. data" + DataFile.EXTENSION + ".")
    Path out;

    /** Where the file is written: {@link #out}, or the file it links to. */
    private Path target;

    @Option(names = "--task", paramLabel = "TASK", converter = Options.Tasks.class, description = "regression, classification or multilabel (K target columns of 0 or 1, checked, stored as numeric targets: train them with --task multilabel). Default: classification for IDX, regression for CSV.")
    CsvReader.Task task;

    @Option(names = "--targets", paramLabel = "K", defaultValue = "1", description = "Target columns at the end of each CSV row (regression). Default: ${DEFAULT-VALUE}.")
    int targets;

    @Option(names = "--part", paramLabel = "PART", defaultValue = "train",
            description = "Which IDX pair of a folder or of fashion-mnist: train or test (the t10k files). Default: ${DEFAULT-VALUE}.")
    String part;

    @Override
    public Integer call() throws Exception {
        // Written through a symbolic link, as every output of the tool: the file it points to is replaced.
        target = delta4j.io.AtomicFiles.throughLinks(out.toAbsolutePath());
        boolean idx = DataSources.isIdx(data) || idxFile(Path.of(data)) != null;
        CsvReader.Task t = task == null ? (idx ? CsvReader.Task.CLASSIFICATION : CsvReader.Task.REGRESSION) : task;
        if (targets < 1) {
            throw new UsageException("--targets " + targets + ": at least 1 target column is needed");
        }
        if (t == CsvReader.Task.CLASSIFICATION && targets != 1) {
            throw new UsageException("--targets " + targets + ": classification reads one label column; drop --targets or use --task regression");
        }
        DataSources.Part p = switch (part.trim().toLowerCase(Locale.ROOT)) {
            case "train" -> DataSources.Part.TRAIN;
            case "test", "t10k" -> DataSources.Part.TEST;
            default -> throw new UsageException("--part " + part + ": use train or test");
        };
        if (idx && t != CsvReader.Task.CLASSIFICATION) {
            throw new UsageException("--task " + task.name().toLowerCase(Locale.ROOT) + ": IDX data (images and class labels) is a classification task; leave --task out");
        }
        Options.checkSource(data, "--data");
        Options.checkOutput(out, "--out");
        new PathCollisions().inputs("--data", DataSources.files(data)).output("--out", out).check();
        if (DataSources.isDataFile(data)) {
            throw new UsageException("--data " + data + " is a binary data file already: train, eval and predict take it as it is");
        }

        long start = System.nanoTime();
        long inputBytes;
        Result r;
        if (idx) {
            Path[] pair = idxPair(p);
            inputBytes = Files.size(pair[0]) + Files.size(pair[1]);
            r = convertIdx(pair[0], pair[1]);
        } else {
            Path csv = Path.of(data);
            inputBytes = Files.size(csv);
            r = convertCsv(csv, t);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        r.notes.forEach(n -> {
            err().println("delta4j: warning: " + Main.oneLine(n));
            err().flush();
        });
        long written = Files.size(target);
        var o = out();
        o.printf(Locale.ROOT, "converted %s: %s, %s, %s%n", data, Words.count(r.rows, "sample"), Words.count(r.features, "feature"),
                r.labels != null ? Words.count(r.labels.size(), "class", "classes") : Words.count(r.targets, "target"));
        o.printf(Locale.ROOT, "wrote:     %s (%.1f MB) in %.1f s, %.0f MB/s of input%n", out, written / 1e6, seconds,
                inputBytes / 1e6 / Math.max(seconds, 1e-9));
        o.flush();
        return Main.OK;
    }

    /** What a conversion wrote. */
    private record Result(long rows, int features, int targets, Labels labels, List<String> notes) {
    }

    private Result convertCsv(Path csv, CsvReader.Task t) throws IOException {
        boolean classification = t == CsvReader.Task.CLASSIFICATION;
        CsvReader.Options o = new CsvReader.Options(t, classification ? 1 : targets, null, 0, CsvReader.Targets.REQUIRED);
        DataFileWriter[] writer = new DataFileWriter[1];
        int[] shape = new int[2];
        try {
            CsvReader.Summary s = CsvReader.stream(csv, o, new CsvReader.RowSink() {
                @Override
                public void start(int features, int targetCols, List<String> names) throws IOException {
                    shape[0] = features;
                    shape[1] = targetCols;
                    writer[0] = classification ? DataFileWriter.classification(target, features, null)
                            : DataFileWriter.regression(target, features, targetCols);
                    if (!names.isEmpty()) {
                        writer[0].featureNames(names.subList(0, features));
                        if (!classification) {
                            writer[0].targetNames(names.subList(features, features + targetCols));
                        }
                    }
                }

                @Override
                public void row(float[] x, float[] y, String label, long line) throws IOException {
                    if (writer[0].rows() == Integer.MAX_VALUE) {
                        throw new DataFileException(csv.toString(), line, 0, "more than " + Integer.MAX_VALUE
                                + " samples: a data file holds at most that many; split the CSV file");
                    }
                    if (classification) {
                        writer[0].append(x, label);
                    } else {
                        writer[0].append(x, y);
                    }
                }
            });
            writer[0].finish();
            Labels labels = writer[0].writtenLabels();
            return new Result(s.rows(), shape[0], classification ? labels.size() : shape[1], labels, s.notes());
        } finally {
            if (writer[0] != null) {
                writer[0].close();
            }
        }
    }

    private Result convertIdx(Path images, Path labelsFile) throws IOException {
        // The labels first, alone (one byte per sample): their largest value sets the classes, "0" ... "max", as train
        // names them for IDX data, before the images stream through.
        int max = 0;
        long count;
        byte[] one = new byte[1];
        try (IdxReader.ItemStream labels = IdxReader.streamLabels(labelsFile)) {
            count = labels.count();
            while (labels.next(one)) {
                max = Math.max(max, one[0] & 0xff);
            }
        }
        Labels classes = Labels.numbered(max + 1);
        try (IdxReader.ItemStream img = IdxReader.streamImages(images);
             IdxReader.ItemStream lab = IdxReader.streamLabels(labelsFile);
             DataFileWriter w = DataFileWriter.classification(target, img.itemBytes(), classes)) {
            if (img.count() != count) {
                throw new DataFileException(labelsFile.toString(), "holds " + Words.count(count, "label") + ", but " + images.getFileName()
                        + " holds " + Words.count(img.count(), "image") + ": the counts must match (mixed-up or truncated files?)");
            }
            if (count > Integer.MAX_VALUE) {
                throw new DataFileException(images.toString(), "holds " + count + " images: a data file holds at most " + Integer.MAX_VALUE);
            }
            byte[] px = new byte[img.itemBytes()];
            float[] x = new float[img.itemBytes()];
            while (img.next(px)) {
                lab.next(one);
                for (int i = 0; i < px.length; i++) {
                    x[i] = (px[i] & 0xff) / 255f; // as train reads IDX pixels
                }
                w.append(x, Integer.toString(one[0] & 0xff));
            }
            w.featuresScaled(true).finish();
            return new Result(count, img.itemBytes(), classes.size(), classes, List.of());
        }
    }

    /** The images and labels files to convert: the part's pair of a folder (or of fashion-mnist), or an images file and its labels beside it. */
    private Path[] idxPair(DataSources.Part p) {
        Path file = Path.of(data);
        if (!DataSources.isFashionMnist(data) && Files.isRegularFile(file)) {
            Matcher m = idxFile(file);
            if (m == null || !m.group(3).equalsIgnoreCase("images")) {
                throw new DataFileException(data, "is an IDX labels file: give the images file (its labels file is found beside it), or the folder");
            }
            String name = file.getFileName().toString();
            List<Path> candidates = new ArrayList<>();
            for (String ext : List.of(m.group(6), m.group(6).toLowerCase(Locale.ROOT).endsWith(".gz") ? m.group(6).substring(0, m.group(6).length() - 3)
                    : m.group(6) + ".gz")) {
                candidates.add(file.resolveSibling(name.substring(0, m.start()) + m.group(1) + m.group(2) + "labels" + m.group(4) + "1" + ext));
            }
            for (Path c : candidates) {
                if (Files.isRegularFile(c)) {
                    return new Path[] {file, c};
                }
            }
            throw new DataFileException(data, "has no labels file beside it (looked for " + candidates.get(0).getFileName() + ")");
        }
        Path dir = DataSources.isFashionMnist(data) ? DataSources.fashionMnistDir() : file;
        Path images = DataSources.idxFile(dir, p, "images"), labels = DataSources.idxFile(dir, p, "labels");
        if (images == null || labels == null) {
            throw new DataFileException(data, "the folder has no " + (p == DataSources.Part.TRAIN ? "train" : "t10k") + "-" + (images == null ? "images-idx3" : "labels-idx1")
                    + "-ubyte[.gz] file: an IDX folder holds train-images-idx3-ubyte, train-labels-idx1-ubyte,"
                    + " t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (raw or .gz)");
        }
        return new Path[] {images, labels};
    }

    private static Matcher idxFile(Path p) {
        if (!Files.isRegularFile(p) || p.getFileName() == null) {
            return null;
        }
        Matcher m = IDX_FILE.matcher(p.getFileName().toString());
        return m.matches() ? m : null;
    }
}
