package delta4j.data;

import delta4j.io.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import delta4j.io.AtomicFiles;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Writes a binary data file (docs/DATA_FORMAT.md) row by row, in constant memory, and publishes it atomically through
 * {@link AtomicFiles#stage}: everything goes to a hidden temporary file beside the target, which is fsync'ed and
 * renamed over the target by {@link #finish()} (keeping the permissions of a file it replaces, and replacing the file
 * a symbolic link points to); the folder is fsync'ed after. A crash, an exception or a {@link #close()} without {@link #finish()} leaves the target as it was (at worst a
 * stray {@code .tmp} file).
 *
 * <p>The targets of each row go to a second temporary file until the features are complete, because the file
 * holds all features before all targets. A classification writer stores each row's class, learns the labels as
 * they come and, at {@link #finish()}, sorts them as {@link Labels#fromColumn} does and writes one-hot rows: one
 * pass over the source, whatever order its classes appear in.
 *
 * <pre>{@code
 * try (DataFileWriter w = DataFileWriter.regression(Path.of("houses.d4jdata"), 8, 1)) {
 *     for (Row r : rows) {
 *         w.append(r.features(), r.targets());
 *     }
 *     w.finish();
 * }
 * }</pre>
 * Not thread-safe.
 */
public final class DataFileWriter implements AutoCloseable {

    private static final int BUFFER_BYTES = 1 << 16;

    private final Path target;
    private final String name;
    private final int features;
    private final int targetCols;
    /** Null for a regression (float targets); the labels known in advance, or null, for a classification. */
    private final boolean classification;
    private final Labels knownLabels;
    private final Map<String, Integer> seen = new HashMap<>();
    private final List<String> seenOrder = new ArrayList<>();
    private final AtomicFiles.Staged staged;
    private final Path targetsTemp;
    private final FileChannel out;
    private final FileChannel side;
    private final ByteBuffer featureBuffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer sideBuffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final CRC32 featuresCrc = new CRC32();
    private List<String> featureNames = List.of();
    private List<String> targetNames = List.of();
    private Labels labels;
    private Labels written;
    private boolean scaled;
    private long rows;
    private boolean finished;
    private boolean closed;

    private DataFileWriter(Path target, int features, int targets, boolean classification, Labels knownLabels) throws IOException {
        if (features < 1 || features > DataFile.MAX_COLUMNS) {
            throw new IllegalArgumentException("a data file holds 1 to " + DataFile.MAX_COLUMNS + " features per sample, not " + features);
        }
        if (!classification && (targets < 1 || targets > DataFile.MAX_COLUMNS)) {
            throw new IllegalArgumentException("a data file holds 1 to " + DataFile.MAX_COLUMNS + " targets per sample, not " + targets);
        }
        this.target = target;
        this.name = target.toString();
        this.features = features;
        this.targetCols = targets;
        this.classification = classification;
        this.knownLabels = knownLabels;
        AtomicFiles.Staged st = AtomicFiles.stage(target);
        FileChannel o = null, s = null;
        Path side;
        try {
            side = st.scratch("targets");
            o = FileChannel.open(st.file(), StandardOpenOption.WRITE, StandardOpenOption.READ);
            s = FileChannel.open(side, StandardOpenOption.WRITE, StandardOpenOption.READ);
            o.position(DataFile.Header.featuresOffset());
        } catch (IOException | RuntimeException e) {
            try (st) {
                if (o != null) {
                    o.close();
                }
                if (s != null) {
                    s.close();
                }
            }
            throw e;
        }
        this.staged = st;
        this.targetsTemp = side;
        this.out = o;
        this.side = s;
    }

    /**
     * {@return a writer of samples with {@code features} features and {@code targets} numeric targets (floats)}
     *
     * @param target   the data file to write
     * @param features features per sample, 1 to 2²⁴
     * @param targets  targets per sample, 1 to 2²⁴
     * @throws IOException when the temporary files cannot be made beside the target (a missing folder, permissions)
     */
    public static DataFileWriter regression(Path target, int features, int targets) throws IOException {
        return new DataFileWriter(target, features, targets, false, null);
    }

    /**
     * A writer of samples with {@code features} features and a class label each ({@link #append(float[], String)}).
     *
     * @param target   the data file to write
     * @param features features per sample, 1 to 2²⁴
     * @param labels   the classes in output order, or null to take the labels the rows hold, sorted as
     *                 {@link Labels#fromColumn} sorts them
     * @return the writer
     * @throws IOException when the temporary files cannot be made beside the target
     */
    public static DataFileWriter classification(Path target, int features, Labels labels) throws IOException {
        return new DataFileWriter(target, features, 0, true, labels);
    }

    /**
     * Writes a whole sample set (e.g. a {@link Dataset}) to {@code target}, atomically.
     *
     * @param target the data file to write
     * @param data   the samples
     * @param labels the classes whose one-hot rows the targets are (as in {@link #labels}), or null
     * @throws IOException when the file cannot be written
     */
    public static void write(Path target, Samples data, Labels labels) throws IOException {
        try (DataFileWriter w = regression(target, data.features(), data.targets())) {
            if (labels != null) {
                w.labels(labels);
            }
            int chunk = Samples.chunkRows(data.features() + data.targets());
            float[] x = new float[chunk * data.features()], t = new float[chunk * data.targets()];
            for (int from = 0; from < data.size(); from += chunk) {
                int n = Math.min(chunk, data.size() - from);
                data.gatherFeatures(null, from, n, x);
                data.gatherTargets(null, from, n, t);
                w.append(x, t, n);
            }
            w.finish();
        }
    }

    /**
     * Names the feature columns, for the metadata.
     *
     * @param names one per feature
     * @return this writer
     */
    public DataFileWriter featureNames(List<String> names) {
        DataFile.Meta.checkNames("feature", names, features);
        this.featureNames = List.copyOf(names);
        return this;
    }

    /**
     * Names the target columns of a regression, for the metadata.
     *
     * @param names one per target
     * @return this writer
     */
    public DataFileWriter targetNames(List<String> names) {
        if (classification) {
            throw new IllegalStateException("a classification file's targets are its classes: give labels, not target names");
        }
        DataFile.Meta.checkNames("target", names, targetCols);
        this.targetNames = List.copyOf(names);
        return this;
    }

    /**
     * Declares the float target rows of a regression writer one-hot rows of these classes (one per target column),
     * so the file is a classification file; the rows are not checked here (training checks that they sum to 1).
     *
     * @param l the classes, one per target column
     * @return this writer
     */
    public DataFileWriter labels(Labels l) {
        if (classification) {
            throw new IllegalStateException("a classification writer takes its labels when it is made");
        }
        if (l.size() != targetCols) {
            throw new IllegalArgumentException(l.size() + " class labels for " + targetCols + " target columns: one-hot rows need one per class");
        }
        this.labels = l;
        return this;
    }

    /**
     * Marks the features as on a common scale already (pixels in [0, 1]): {@code delta4j train} then does not
     * standardise them.
     *
     * @param on whether they are
     * @return this writer
     */
    public DataFileWriter featuresScaled(boolean on) {
        this.scaled = on;
        return this;
    }

    /** {@return the class labels of the file {@link #finish()} wrote (a classification writer's, in their sorted order), or null} */
    public Labels writtenLabels() {
        return finished ? written : null;
    }

    /** {@return the samples written so far} */
    public long rows() {
        return rows;
    }

    /**
     * Appends one sample of a regression writer.
     *
     * @param x its features
     * @param t its targets
     * @throws IOException when writing fails
     */
    public void append(float[] x, float[] t) throws IOException {
        if (x.length != features || t.length != targetCols) {
            throw new IllegalArgumentException("a row needs " + features + " features and " + targetCols + " targets, got "
                    + x.length + " and " + t.length);
        }
        append(x, t, 1);
    }

    /**
     * Appends {@code n} samples of a regression writer.
     *
     * @param x n × features, row-major (a longer array is read up to that)
     * @param t n × targets, row-major (likewise)
     * @param n the number of samples
     * @throws IOException when writing fails
     */
    public void append(float[] x, float[] t, int n) throws IOException {
        if (classification) {
            throw new IllegalStateException("a classification writer takes a class label per row: append(features, label)");
        }
        checkOpen();
        if (x.length < n * features || t.length < n * targetCols) {
            throw new IllegalArgumentException(n + " rows need " + n * features + " features and " + n * targetCols + " targets, got "
                    + x.length + " and " + t.length);
        }
        checkRoom(n);
        checkFinite("feature", x, n * features, features);
        checkFinite("target", t, n * targetCols, targetCols);
        put(out, featureBuffer, featuresCrc, x, n * features);
        put(side, sideBuffer, null, t, n * targetCols);
        rows += n;
    }

    /**
     * Appends one sample of a classification writer.
     *
     * @param x     its features
     * @param label its class label
     * @throws IOException when writing fails
     */
    public void append(float[] x, String label) throws IOException {
        if (!classification) {
            throw new IllegalStateException("a regression writer takes target values per row: append(features, targets)");
        }
        checkOpen();
        if (x.length != features) {
            throw new IllegalArgumentException("a row needs " + features + " features, got " + x.length);
        }
        checkRoom(1);
        checkFinite("feature", x, features, features);
        int k;
        if (knownLabels != null) {
            k = knownLabels.indexOf(label);
        } else {
            Integer at = seen.get(label);
            if (at == null) {
                at = seenOrder.size();
                seen.put(label, at);
                seenOrder.add(label);
            }
            k = at;
        }
        put(out, featureBuffer, featuresCrc, x, features);
        if (sideBuffer.remaining() < 4) {
            drain(side, sideBuffer);
        }
        sideBuffer.putInt(k);
        rows++;
    }

    private void checkRoom(int n) {
        if (rows + n > Integer.MAX_VALUE) {
            throw new IllegalStateException("a data file holds at most " + Integer.MAX_VALUE + " samples: split the data into several files");
        }
    }

    private void checkFinite(String what, float[] v, int length, int cols) {
        int i = FiniteValues.firstNonFinite(v, 0, length);
        if (i >= 0) {
            throw new IllegalArgumentException(what + " value " + v[i] + " at sample " + (rows + i / cols) + ", column " + (i % cols)
                    + " is not finite: remove or impute NaN and infinite values before writing " + name);
        }
    }

    private static void put(FileChannel ch, ByteBuffer buf, CRC32 crc, float[] v, int length) throws IOException {
        for (int i = 0; i < length; ) {
            if (buf.remaining() < 4) {
                drain(ch, buf, crc);
            }
            int n = Math.min(length - i, buf.remaining() / 4);
            FloatBuffer fb = buf.asFloatBuffer();
            fb.put(v, i, n);
            buf.position(buf.position() + 4 * n);
            i += n;
        }
    }

    private static void drain(FileChannel ch, ByteBuffer buf) throws IOException {
        drain(ch, buf, null);
    }

    private static void drain(FileChannel ch, ByteBuffer buf, CRC32 crc) throws IOException {
        buf.flip();
        if (crc != null) {
            crc.update(buf.duplicate());
        }
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
        buf.clear();
    }

    /**
     * Completes the file (targets, metadata, header), forces it to disk and renames it over the target in one
     * atomic step. Nothing is visible under the target's name before.
     *
     * @throws IllegalStateException when no row was written
     * @throws IOException           when writing, forcing or renaming fails (the target is then as it was)
     */
    public void finish() throws IOException {
        checkOpen();
        if (rows == 0) {
            throw new IllegalStateException("no samples were written to " + name + ": a data file holds at least one");
        }
        Labels finalLabels = labels;
        int k = targetCols;
        int[] remap = null;
        if (classification) {
            if (knownLabels != null) {
                finalLabels = knownLabels;
            } else {
                finalLabels = Labels.fromColumn(seenOrder);
                remap = new int[seenOrder.size()];
                for (int i = 0; i < remap.length; i++) {
                    remap[i] = finalLabels.indexOf(seenOrder.get(i));
                }
            }
            k = finalLabels.size();
            if (k > DataFile.MAX_COLUMNS) {
                throw new IllegalStateException(k + " distinct class labels: a data file holds at most " + DataFile.MAX_COLUMNS);
            }
        }
        drain(out, featureBuffer, featuresCrc);
        drain(side, sideBuffer);
        long targetsOffset = DataFile.Header.targetsOffset(rows, features);
        pad(targetsOffset);
        CRC32 targetsCrc = new CRC32();
        copyTargets(k, remap, targetsCrc);
        long metaOffset = DataFile.Header.metaOffset(targetsOffset, rows, k);
        pad(metaOffset);
        byte[] meta = new DataFile.Meta(featureNames, targetNames, finalLabels).encode();
        CRC32 metaCrc = new CRC32();
        metaCrc.update(meta);
        writeAt(ByteBuffer.wrap(meta), metaOffset);
        int flags = (finalLabels != null ? DataFile.FLAG_LABELS : 0) | (scaled ? DataFile.FLAG_SCALED : 0);
        written = finalLabels;
        DataFile.Header h = new DataFile.Header(rows, features, k, flags, targetsOffset, metaOffset, meta.length,
                (int) featuresCrc.getValue(), (int) targetsCrc.getValue(), (int) metaCrc.getValue());
        writeAt(h.encode(), 0);
        out.force(true);
        out.close();
        side.close();
        staged.commit();
        finished = true;
        closed = true;
    }

    /** Appends the targets from the side file after the features: float rows as they are, or class indices as one-hot rows. */
    private void copyTargets(int k, int[] remap, CRC32 crc) throws IOException {
        long sideBytes = side.size();
        ByteBuffer in = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer buf = featureBuffer; // drained: reused for the target rows
        float[] oneHot = classification ? new float[k] : null;
        for (long at = 0; at < sideBytes; ) {
            in.clear();
            int read = side.read(in, at);
            if (read <= 0) {
                throw new IOException("cannot read back the targets of " + name + " from " + targetsTemp);
            }
            in.flip();
            if (classification) {
                // Whole class indices only: a read that ends inside one is read again from there.
                int whole = read / 4 * 4;
                in.limit(whole);
                read = whole;
            }
            at += read;
            if (!classification) {
                // Float rows: the bytes as they are. A read may end inside a float; the rest comes with the next read.
                while (in.hasRemaining()) {
                    if (!buf.hasRemaining()) {
                        drain(out, buf, crc);
                    }
                    int n = Math.min(in.remaining(), buf.remaining());
                    buf.put(buf.position(), in, in.position(), n);
                    buf.position(buf.position() + n);
                    in.position(in.position() + n);
                }
            } else {
                IntBuffer classes = in.asIntBuffer();
                while (classes.hasRemaining()) {
                    int c = classes.get();
                    int cls = remap == null ? c : remap[c];
                    oneHot[cls] = 1f;
                    put(out, buf, crc, oneHot, k);
                    oneHot[cls] = 0f;
                }
            }
        }
        drain(out, buf, crc);
    }

    /** Zero bytes up to {@code offset} (the blocks' 64-byte alignment). */
    private void pad(long offset) throws IOException {
        long pos = out.position();
        if (pos < offset) {
            writeAt(ByteBuffer.allocate((int) (offset - pos)), pos);
            out.position(offset);
        }
    }

    private void writeAt(ByteBuffer b, long at) throws IOException {
        long p = at;
        while (b.hasRemaining()) {
            p += out.write(b, p);
        }
        if (at >= out.position()) {
            out.position(p);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(finished ? "the data file " + name + " is finished: make a new writer for more"
                    : "the writer of " + name + " was closed");
        }
    }

    /**
     * Discards the file unless {@link #finish()} published it; idempotent.
     *
     * @throws IOException when the temporary files cannot be removed
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (staged) {
            out.close();
            side.close();
        }
    }
}
