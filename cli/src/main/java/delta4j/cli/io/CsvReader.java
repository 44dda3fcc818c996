package delta4j.cli.io;

import ch.randelshofer.fastdoubleparser.JavaFloatParser;
import delta4j.cli.report.Words;
import delta4j.data.Labels;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads numeric CSV files: one sample per line, the last K columns are targets, the others features.
 *
 * <ul>
 * <li>The delimiter is a semicolon when the first line has one outside quotes, else a comma. With
 *     semicolons, a decimal comma ({@code 1,5}) is accepted too.</li>
 * <li>A header row is detected: the first line is a header when a feature cell in it is not a number,
 *     or a target cell is not a number while the same cell of the second line is.</li>
 * <li>Cells may be quoted with double quotes ({@code "a,b"}, {@code ""} for a quote); blank lines are
 *     skipped; a UTF-8 byte order mark is ignored.</li>
 * <li>For classification the single target column holds class labels (integers or strings), one-hot
 *     encoded in the order of {@link Labels}.</li>
 * <li>For multi-label data the last K columns hold 0 or 1 each (label absent or present); the labels are named by
 *     the header's cells of those columns, or {@code label_1} ... {@code label_K} without a header.</li>
 * </ul>
 * Every problem is a {@link DataFileException} naming the file, line and column.
 */
public final class CsvReader {

    /**
     * What the columns mean: numeric targets, one class-label column, or K columns of 0/1 labels that may be present
     * together (multi-label).
     */
    public enum Task { REGRESSION, CLASSIFICATION, MULTILABEL }

    /** Whether target columns must be present ({@code REQUIRED}) or may be present and are skipped ({@code IGNORED}). */
    public enum Targets { REQUIRED, IGNORED }

    /**
     * How to read a file.
     *
     * @param task             regression (numeric targets), classification (one label column) or multi-label (K 0/1 columns)
     * @param targetColumns    K, the number of target columns for regression and multi-label (1 for classification)
     * @param labels           the known class labels or multi-label names (from a model), or null to take them from the file
     * @param expectedFeatures the number of features a model expects, or 0 to take it from the file
     * @param targets          whether targets are required or skipped
     */
    public record Options(Task task, int targetColumns, Labels labels, int expectedFeatures, Targets targets) {
        public Options {
            if (targetColumns < 1) {
                throw new IllegalArgumentException("the number of target columns must be at least 1, got " + targetColumns);
            }
            if (task == Task.CLASSIFICATION && targetColumns != 1) {
                throw new IllegalArgumentException("classification reads exactly one label column, not " + targetColumns
                        + ": drop --targets or use --task regression");
            }
        }

        /** Training data: K numeric target columns, any number of features. */
        public static Options regression(int targetColumns) {
            return new Options(Task.REGRESSION, targetColumns, null, 0, Targets.REQUIRED);
        }

        /** Training data: one label column, labels taken from the file. */
        public static Options classification() {
            return new Options(Task.CLASSIFICATION, 1, null, 0, Targets.REQUIRED);
        }
    }

    // A plain decimal number; Float.parseFloat alone would also take "1f", "0x1p3" and "NaN".
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern NON_FINITE = Pattern.compile("[+-]?(nan|inf|infinity)", Pattern.CASE_INSENSITIVE);

    private CsvReader() {
    }

    /**
     * Whether characters [a, b) of {@code t} are a number of {@link #NUMBER}'s form, {@code [+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?},
     * scanned without a regular expression (the pattern's matcher, per cell, had been most of a large file's
     * reading time).
     */
    static boolean plainNumber(CharSequence t, int a, int b) {
        int i = a;
        if (i < b && (t.charAt(i) == '+' || t.charAt(i) == '-')) {
            i++;
        }
        int digits = 0;
        for (; i < b && isDigit(t.charAt(i)); i++) {
            digits++;
        }
        if (i < b && t.charAt(i) == '.') {
            for (i++; i < b && isDigit(t.charAt(i)); i++) {
                digits++;
            }
        }
        if (digits == 0) {
            return false;
        }
        if (i < b && (t.charAt(i) == 'e' || t.charAt(i) == 'E')) {
            i++;
            if (i < b && (t.charAt(i) == '+' || t.charAt(i) == '-')) {
                i++;
            }
            int exponent = 0;
            for (; i < b && isDigit(t.charAt(i)); i++) {
                exponent++;
            }
            if (exponent == 0) {
                return false;
            }
        }
        return i == b;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** Reads a CSV file. */
    public static LoadedData read(Path file, Options options) throws IOException {
        String name = file.toString();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return new Parse(name, options, new Collect(name, options)).run(in);
        } catch (CharacterCodingException e) {
            throw new DataFileException(name, "is not UTF-8 text: save it as UTF-8 CSV", e);
        } catch (IOException e) {
            throw DataFileException.unreadable(name, e);
        }
    }

    /**
     * Receives a CSV file's rows as they are parsed, for a reader that does not hold the file (the {@code convert}
     * command writes them to a binary data file). The arrays passed are reused for the next row.
     */
    public interface RowSink {
        /**
         * Called once, before the first row: the shape, and the header's column names (empty without a header).
         *
         * @param features    feature columns
         * @param targets     numeric target columns (regression), 1 for the label column (classification), 0 when the
         *                    rows' targets are skipped
         * @param columnNames the header's cells, trimmed (features, then targets), or empty
         */
        void start(int features, int targets, List<String> columnNames) throws IOException;

        /**
         * One sample: its features; its numeric targets (regression) or null; its class label cell, trimmed
         * (classification) or null; the line it came from, for errors.
         */
        void row(float[] features, float[] targets, String label, long line) throws IOException;
    }

    /**
     * What a streaming read found besides the rows.
     *
     * @param rows  number of samples passed to the sink
     * @param notes what the reader guessed and the user should know (see {@link LoadedData#notes()})
     */
    public record Summary(long rows, List<String> notes) {
    }

    /**
     * Reads a CSV file in one pass, handing each row to {@code sink}: the same parsing, checks and messages as
     * {@link #read}, in constant memory (no 2³¹-value limit: that is the sink's to set). Class labels are passed as
     * they are; mapping them to classes is the sink's job.
     */
    public static Summary stream(Path file, Options options, RowSink sink) throws IOException {
        String name = file.toString();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Parse p = new Parse(name, options, sink);
            p.parse(in);
            return new Summary(p.rows, List.copyOf(p.notes));
        } catch (SinkFailure e) {
            throw e.getCause(); // the sink's own failure (e.g. its output's disk is full), not the CSV file's
        } catch (CharacterCodingException e) {
            throw new DataFileException(name, "is not UTF-8 text: save it as UTF-8 CSV", e);
        } catch (DataFileException e) {
            throw e;
        } catch (IOException e) {
            throw DataFileException.unreadable(name, e);
        }
    }

    /** Carries a sink's IOException through the parser, so it is not taken for a failure to read the CSV file. */
    private static final class SinkFailure extends java.io.UncheckedIOException {
        SinkFailure(IOException cause) {
            super(cause);
        }
    }

    /** Collects the rows in memory for {@link #read}: features and targets as growing arrays, label cells with their places. */
    private static final class Collect implements RowSink {
        final String file;
        final Options o;
        int featureCols;
        int targetCols;
        float[] x = new float[1024];
        float[] y = new float[256];
        int rows;
        final List<String> labelCells = new ArrayList<>();
        final List<long[]> labelPositions = new ArrayList<>(); // line, column of each label cell (for errors)
        List<String> columnNames = List.of();

        Collect(String file, Options o) {
            this.file = file;
            this.o = o;
        }

        @Override
        public void start(int features, int targets, List<String> columnNames) {
            this.featureCols = features;
            this.targetCols = targets;
            this.columnNames = columnNames;
        }

        @Override
        public void row(float[] fx, float[] fy, String label, long lineNo) {
            if ((long) (rows + 1) * featureCols > Integer.MAX_VALUE - 8) {
                throw new DataFileException(file, lineNo, 0, "too many values for one data set (more than 2^31 floats): convert it to a"
                        + " binary data file with 'delta4j convert', which has no such limit");
            }
            if ((rows + 1) * featureCols > x.length) {
                x = Arrays.copyOf(x, Math.max((rows + 1) * featureCols, (int) Math.min(Integer.MAX_VALUE - 8, x.length * 2L)));
            }
            System.arraycopy(fx, 0, x, rows * featureCols, featureCols);
            if (label != null) {
                labelCells.add(label);
                labelPositions.add(new long[] {lineNo, featureCols + 1});
            } else if (fy != null) {
                if ((rows + 1) * targetCols > y.length) {
                    y = Arrays.copyOf(y, Math.max((rows + 1) * targetCols, y.length * 2));
                }
                System.arraycopy(fy, 0, y, rows * targetCols, targetCols);
            }
            rows++;
        }

        LoadedData result(List<String> notes, boolean readTargets) {
            float[] fx = Arrays.copyOf(x, rows * featureCols);
            float[] fy = null;
            Labels labels = null;
            int targets = 0;
            if (readTargets && o.task() == Task.CLASSIFICATION) {
                labels = o.labels() != null ? o.labels() : Labels.fromColumn(labelCells);
                int[] k = new int[rows];
                for (int i = 0; i < rows; i++) {
                    String cell = labelCells.get(i);
                    try {
                        k[i] = labels.indexOf(cell);
                    } catch (IllegalArgumentException e) {
                        long[] at = labelPositions.get(i);
                        throw new DataFileException(file, at[0], (int) at[1], "class label '" + cell
                                + "' is not one the model was trained on; it knows " + labels.names());
                    }
                }
                fy = Labels.oneHot(k, labels.size());
                targets = labels.size();
            } else if (readTargets) {
                fy = Arrays.copyOf(y, rows * targetCols);
                targets = targetCols;
                if (o.task() == Task.MULTILABEL) {
                    labels = o.labels() != null ? o.labels() : multiLabelNames(columnNames, featureCols, targetCols, notes);
                }
            } else if (o.task() != Task.REGRESSION) {
                labels = o.labels();
            }
            return new LoadedData(file, rows, featureCols, fx, targets, fy, labels, true, notes, null, o.task() == Task.MULTILABEL);
        }
    }

    /**
     * The names of a multi-label file's K labels: the header's cells over the target columns, or {@link
     * LoadedData#labelNames(int) label_1 ... label_K} when there is no header or its cells there are blank or repeated
     * (said in a note).
     */
    static Labels multiLabelNames(List<String> columnNames, int features, int k, List<String> notes) {
        if (columnNames.size() < features + k) {
            return LoadedData.labelNames(k);
        }
        List<String> names = columnNames.subList(features, features + k);
        if (names.stream().anyMatch(String::isEmpty) || names.stream().distinct().count() < k) {
            notes.add("the header's target cells " + names + " are not " + k + " distinct names: the labels are called "
                    + LoadedData.labelNames(k).names());
            return LoadedData.labelNames(k);
        }
        return new Labels(names);
    }

    /** The state of one read. */
    private static final class Parse {
        final String file;
        final Options o;
        final RowSink sink;
        final int targetCols;
        char delimiter;
        boolean decimalComma;
        int width;          // columns per row, fixed by the first row
        int featureCols;    // feature columns
        boolean withTargets;   // rows hold target columns
        boolean readTargets;   // ... and they are read (not skipped)
        String firstLine;
        final List<String> notes = new ArrayList<>();
        float[] rowX;
        float[] rowY;
        int[] cellEnds;     // where each cell of a row read in place ends
        final StringBuilder pointed = new StringBuilder(); // a decimal-comma cell with points for its commas
        long rows;

        Parse(String file, Options o, RowSink sink) {
            this.file = file;
            this.o = o;
            this.sink = sink;
            this.targetCols = o.task() == Task.CLASSIFICATION ? 1 : o.targetColumns();
        }

        LoadedData run(BufferedReader in) throws IOException {
            parse(in);
            return ((Collect) sink).result(notes, readTargets);
        }

        void parse(BufferedReader in) throws IOException {
            long lineNo = 0;
            String first = null, second = null;
            long firstNo = 0, secondNo = 0;
            String line;
            // Look ahead two non-blank lines: the delimiter and the header are decided from them.
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (lineNo == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                if (line.isBlank()) {
                    continue;
                }
                if (first == null) {
                    first = line;
                    firstNo = lineNo;
                } else {
                    second = line;
                    secondNo = lineNo;
                    break;
                }
            }
            if (first == null) {
                throw new DataFileException(file, "has no data rows (the file is empty): give at least one sample per line");
            }
            delimiter = hasUnquoted(first, ';') ? ';' : ',';
            decimalComma = delimiter == ';';
            List<String> c1 = split(first, firstNo);
            firstLine = first;
            setWidth(c1.size(), firstNo);
            List<String> c2 = second == null ? null : split(second, secondNo);
            boolean header = isHeader(c1, c2);
            rowX = new float[featureCols];
            rowY = new float[targetCols];
            cellEnds = new int[width];
            List<String> names = new ArrayList<>();
            if (header) {
                for (int j = 0; j < c1.size() && (readTargets || j < featureCols); j++) {
                    names.add(c1.get(j).trim());
                }
            }
            try {
                sink.start(featureCols, readTargets ? targetCols : 0, names);
            } catch (IOException e) {
                throw new SinkFailure(e);
            }
            if (!header) {
                row(c1, firstNo);
            } else {
                noteGuessedHeader(c1, firstNo);
            }
            if (c2 != null) {
                row(c2, secondNo);
            }
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (!line.isBlank()) {
                    row(line, lineNo);
                }
            }
            if (rows == 0) {
                throw new DataFileException(file, "has a header but no data rows (zero samples): give at least one sample per line");
            }
        }

        /**
         * A header row whose feature cells are mostly numbers ({@code n/a,0.5,1.2,...}) may well be a sample with a
         * missing value: say that it was taken as the header, so the lost sample is not lost silently.
         */
        void noteGuessedHeader(List<String> cells, long lineNo) {
            int numeric = 0;
            String text = null;
            int textCol = 0;
            for (int j = 0; j < featureCols; j++) {
                if (looksNumeric(cells.get(j))) {
                    numeric++;
                } else if (text == null) {
                    text = cells.get(j).trim();
                    textCol = j + 1;
                }
            }
            if (numeric > 0 && text != null) {
                notes.add(file + ": treated row " + lineNo + " as a header because '" + abbreviate(text) + "' in column " + textCol
                        + " is not a number, though " + numeric + " of its " + featureCols + " feature cells are; if it is a sample,"
                        + " fix that cell (or add a header row)");
            }
        }

        /** A hint for a row with too few columns that holds tabs: the file is probably tab-separated. */
        String tabHint() {
            return firstLine != null && firstLine.indexOf('\t') >= 0
                    ? "; the row holds tabs: delta4j reads comma- or semicolon-separated files, convert it with e.g. tr '\\t' ',' < FILE.tsv > FILE.csv"
                    : "";
        }

        /** Fixes the row width from the first row and checks it against the options. */
        void setWidth(int n, long lineNo) {
            width = n;
            String targetWord = targetCols == 1 ? "1 target column" : targetCols + " target columns";
            if (o.expectedFeatures() > 0) {
                int f = o.expectedFeatures();
                if (n == f + targetCols) {
                    withTargets = true;
                } else if (n == f && o.targets() == Targets.IGNORED) {
                    withTargets = false;
                } else if (n == f) {
                    throw new DataFileException(file, lineNo, n + 1, "missing target column: the row has " + Words.count(n, "column")
                            + ", the model's " + Words.count(f, "feature") + " and then " + targetWord + " are needed" + tabHint());
                } else {
                    throw new DataFileException(file, lineNo, 0, "the row has " + Words.count(n, "column") + ", but the model expects "
                            + Words.count(f, "feature") + (o.targets() == Targets.IGNORED ? " (optionally followed by " : " (followed by ")
                            + targetWord + "): the feature count does not match the model" + tabHint());
                }
                featureCols = f;
            } else {
                if (n <= targetCols) {
                    throw new DataFileException(file, lineNo, 0, "missing target column: the row has " + Words.count(n, "column")
                            + ", but " + targetWord + " plus at least one feature column are needed"
                            + (targetCols > 1 ? " (check --targets)" : "") + tabHint());
                }
                featureCols = n - targetCols;
                withTargets = true;
            }
            readTargets = withTargets && o.targets() == Targets.REQUIRED;
        }

        boolean isHeader(List<String> c1, List<String> c2) {
            for (int j = 0; j < featureCols; j++) {
                if (!looksNumeric(c1.get(j))) {
                    return true;
                }
            }
            if (withTargets && o.task() != Task.CLASSIFICATION && c2 != null && c2.size() == c1.size()) {
                for (int j = featureCols; j < c1.size(); j++) {
                    if (!looksNumeric(c1.get(j)) && looksNumeric(c2.get(j))) {
                        return true;
                    }
                }
            }
            return false;
        }

        boolean looksNumeric(String cell) {
            String s = cell.trim();
            return NUMBER.matcher(s).matches() || NON_FINITE.matcher(s).matches()
                    || (decimalComma && NUMBER.matcher(s.replace(',', '.')).matches());
        }

        void row(List<String> cells, long lineNo) throws IOException {
            if (cells.size() != width) {
                int col = Math.min(cells.size(), width) + 1;
                throw new DataFileException(file, lineNo, col, "ragged row: it has " + Words.count(cells.size(), "column") + ", the first row has "
                        + width + "; every row needs the same number of cells");
            }
            for (int j = 0; j < featureCols; j++) {
                rowX[j] = number(cells.get(j), lineNo, j + 1, false);
            }
            String label = null;
            float[] t = null;
            if (readTargets) {
                if (o.task() == Task.CLASSIFICATION) {
                    label = cells.get(featureCols).trim();
                    if (label.isEmpty()) {
                        throw new DataFileException(file, lineNo, featureCols + 1, "empty class label: every row needs one");
                    }
                } else {
                    for (int j = 0; j < targetCols; j++) {
                        rowY[j] = number(cells.get(featureCols + j), lineNo, featureCols + j + 1, true);
                        if (o.task() == Task.MULTILABEL && rowY[j] != 0 && rowY[j] != 1) {
                            throw new DataFileException(file, lineNo, featureCols + j + 1, "multi-label target '" + cells.get(featureCols + j).trim()
                                    + "' is not 0 or 1: each of the last " + targetCols + " columns says whether a label is absent (0) or present (1)");
                        }
                    }
                    t = rowY;
                }
            }
            emit(t, label, lineNo);
        }

        /**
         * A row read in place, the way nearly every row is: its cells are ranges of the line, their numbers checked
         * by {@link #plainNumber} and parsed from the range, and no string is made but a class label's. A line with
         * a quote, a row of another width, an empty label and any cell that scan does not take (a decimal comma, a
         * mistake) go the general way, {@link #row(List, long)} and {@link #number(String, long, int, boolean)},
         * which read them alike or say what is wrong: the values and the messages are the general way's.
         */
        void row(String line, long lineNo) throws IOException {
            if (line.indexOf('"') >= 0) {
                row(split(line, lineNo), lineNo);
                return;
            }
            // The cells' ends first, so that a ragged row is reported as one before any of its cells is read.
            int[] ends = cellEnds;
            for (int j = 0, from = 0; j < width; j++) {
                int end = line.indexOf(delimiter, from);
                if (j == width - 1 ? end >= 0 : end < 0) {
                    row(split(line, lineNo), lineNo); // ragged: the general way names the columns
                    return;
                }
                if (j == width - 1) {
                    ends[j] = line.length();
                    break;
                }
                ends[j] = end;
                from = end + 1;
            }
            String label = null;
            float[] t = null;
            for (int j = 0, start = 0; j < width; start = ends[j] + 1, j++) {
                int end = ends[j];
                if (j < featureCols) {
                    rowX[j] = number(line, start, end, lineNo, j + 1, false);
                } else if (readTargets && o.task() == Task.CLASSIFICATION) {
                    label = line.substring(start, end).trim();
                    if (label.isEmpty()) {
                        row(split(line, lineNo), lineNo);
                        return;
                    }
                } else if (readTargets) {
                    float v = number(line, start, end, lineNo, j + 1, true);
                    if (o.task() == Task.MULTILABEL && v != 0 && v != 1) {
                        row(split(line, lineNo), lineNo);
                        return;
                    }
                    rowY[j - featureCols] = v;
                    t = rowY;
                }
            }
            emit(t, label, lineNo);
        }

        /** Hands the row in {@code rowX} (with {@code t} or {@code label}) to the sink. */
        private void emit(float[] t, String label, long lineNo) {
            try {
                sink.row(rowX, t, label, lineNo);
            } catch (IOException e) {
                throw new SinkFailure(e);
            }
            rows++;
        }

        /** A cell's number from its range [s, e) of the line: parsed in place where it is plain, else the general way. */
        float number(String line, int s, int e, long lineNo, int col, boolean target) {
            int a = s, b = e;
            while (a < b && line.charAt(a) <= ' ') {
                a++;
            }
            while (b > a && line.charAt(b - 1) <= ' ') {
                b--;
            }
            CharSequence t = line;
            boolean plain = plainNumber(line, a, b);
            if (!plain && decimalComma) {
                // As the general way reads a decimal comma: every comma taken for a point.
                pointed.setLength(0);
                for (int i = a; i < b; i++) {
                    char c = line.charAt(i);
                    pointed.append(c == ',' ? '.' : c);
                }
                t = pointed;
                a = 0;
                b = pointed.length();
                plain = plainNumber(t, a, b);
            }
            if (plain) {
                float v = JavaFloatParser.parseFloat(t, a, b - a);
                if (!Float.isInfinite(v)) {
                    return v;
                }
            }
            return number(line.substring(s, e), lineNo, col, target);
        }

        float number(String cell, long lineNo, int col, boolean target) {
            String s = cell.trim();
            if (s.isEmpty()) {
                throw new DataFileException(file, lineNo, col, "empty cell: every " + (target ? "target" : "feature")
                        + " needs a value (remove the row or impute the value)");
            }
            if (NON_FINITE.matcher(s).matches()) {
                throw new DataFileException(file, lineNo, col, "'" + s + "' is not a finite number: remove the row or impute the value");
            }
            String t = s;
            if (!NUMBER.matcher(t).matches() && decimalComma) {
                t = s.replace(',', '.');
            }
            if (!NUMBER.matcher(t).matches()) {
                throw new DataFileException(file, lineNo, col, "'" + abbreviate(s) + "' is not a number"
                        + (target && o.task() == Task.REGRESSION ? " (for class labels use --task classification)" : ""));
            }
            float v = Float.parseFloat(t);
            if (Float.isInfinite(v)) {
                throw new DataFileException(file, lineNo, col, "'" + s + "' is out of the float32 range (about ±3.4e38)");
            }
            return v;
        }

        List<String> split(String line, long lineNo) {
            List<String> cells = new ArrayList<>();
            StringBuilder cell = new StringBuilder();
            boolean quoted = false;
            int quoteStart = 0;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (quoted) {
                    if (c == '"') {
                        if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                            cell.append('"');
                            i++;
                        } else {
                            quoted = false;
                        }
                    } else {
                        cell.append(c);
                    }
                } else if (c == '"' && cell.toString().isBlank()) {
                    quoted = true;
                    quoteStart = cells.size() + 1;
                    cell.setLength(0);
                } else if (c == delimiter) {
                    cells.add(cell.toString());
                    cell.setLength(0);
                } else {
                    cell.append(c);
                }
            }
            if (quoted) {
                throw new DataFileException(file, lineNo, quoteStart, "unterminated quote: a cell opened with \" must close with \"");
            }
            cells.add(cell.toString());
            return cells;
        }

        static boolean hasUnquoted(String line, char d) {
            boolean quoted = false;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (c == '"') {
                    quoted = !quoted;
                } else if (c == d && !quoted) {
                    return true;
                }
            }
            return false;
        }

        static String abbreviate(String s) {
            return s.length() <= 40 ? s : s.substring(0, 37) + "...";
        }
    }
}
