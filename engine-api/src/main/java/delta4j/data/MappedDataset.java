package delta4j.data;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32;

/**
 * A binary data file (docs/DATA_FORMAT.md, written by {@link DataFileWriter} or {@code delta4j convert}) mapped
 * into memory with {@code java.lang.foreign}: the samples stay in the file and the operating system's page cache,
 * not on the Java heap, so a data set may be far larger than the heap and hold more than 2³¹ floats. The trainer
 * gathers each mini-batch straight from the mapping, and trains on it to the same weights, bit for bit, as on a
 * {@link Dataset} holding the same values.
 *
 * <p>{@link #open(Path)} checks the whole file (header, block and metadata checksums, every value finite) in one
 * sequential pass, which also brings it into the page cache. Close it to unmap the file: gathering afterwards throws
 * {@link IllegalStateException}. Reading is thread-safe.
 */
public final class MappedDataset implements Samples, AutoCloseable {

    /** How much {@link #open(Path, Check)} checks. */
    public enum Check {
        /** The header, the metadata and the data blocks' checksums, and that every value is finite: one pass over the file. */
        FULL,
        /** The header and the metadata only; the values are trusted (a file this process has just written or verified). */
        HEADER
    }

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Bytes checked per step of {@link #verify()}. */
    private static final int VERIFY_CHUNK = 1 << 20;

    private final Path path;
    private final DataFile.Header header;
    private final DataFile.Meta meta;
    private final Arena arena;
    private final MemorySegment file;
    private final int features;
    private final int targets;
    private final long targetsOffset;

    private MappedDataset(Path path, DataFile.Header header, DataFile.Meta meta, Arena arena, MemorySegment file) {
        this.path = path;
        this.header = header;
        this.meta = meta;
        this.arena = arena;
        this.file = file;
        this.features = header.features();
        this.targets = header.targets();
        this.targetsOffset = header.targetsOffset();
    }

    /**
     * Maps a data file and checks all of it ({@link Check#FULL}).
     *
     * @param file the data file
     * @return the mapped samples; close them to unmap the file
     * @throws DataFileFormatException naming the file when it is not a data file, is cut short, fails a checksum or
     *                                 holds a value that is not finite
     * @throws IOException             when the file cannot be read
     */
    public static MappedDataset open(Path file) throws IOException {
        return open(file, Check.FULL);
    }

    /**
     * Maps a data file.
     *
     * @param file  the data file
     * @param check how much to check before returning
     * @return the mapped samples; close them to unmap the file
     * @throws DataFileFormatException naming the file when it is not a data file, is cut short, fails a checksum or
     *                                 (with {@link Check#FULL}) holds a value that is not finite
     * @throws IOException             when the file cannot be read
     */
    public static MappedDataset open(Path file, Check check) throws IOException {
        String name = file.toString();
        Arena arena = Arena.ofShared();
        try {
            MappedDataset d;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long length = ch.size();
                if (length < DataFile.HEADER_BYTES) {
                    ByteBuffer start = ByteBuffer.allocate((int) Math.min(length, DataFile.MAGIC.length));
                    ch.read(start, 0);
                    if (start.position() == DataFile.MAGIC.length && java.util.Arrays.equals(start.array(), DataFile.MAGIC)) {
                        throw new DataFileFormatException(name, "the file was cut short inside its header (" + length + " bytes): convert the data again");
                    }
                    throw new DataFileFormatException(name, "not a delta4j data file (" + length + " bytes, shorter than the format's header):"
                            + " convert data with 'delta4j convert --data SOURCE --out FILE" + DataFile.EXTENSION + "'");
                }
                ByteBuffer hb = ByteBuffer.allocate(DataFile.HEADER_BYTES);
                readFully(ch, hb, 0);
                DataFile.Header h = DataFile.Header.decode(name, hb, length);
                ByteBuffer mb = ByteBuffer.allocate((int) h.metaLength());
                readFully(ch, mb, h.metaOffset());
                CRC32 crc = new CRC32();
                crc.update(mb.array());
                if ((int) crc.getValue() != h.metaCrc()) {
                    throw new DataFileFormatException(name, "the metadata (names, labels) fails its checksum (corrupt file): convert the data again");
                }
                DataFile.Meta meta = DataFile.Meta.decode(name, mb.position(0), h);
                d = new MappedDataset(file, h, meta, arena, ch.map(FileChannel.MapMode.READ_ONLY, 0, length, arena));
            }
            if (check == Check.FULL) {
                d.verify();
            }
            return d;
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new java.io.EOFException("the file ended early");
            }
        }
    }

    /**
     * Reads the whole file once: each block's checksum, and every value finite.
     *
     * @throws DataFileFormatException naming the block, or the sample and column of a value that is not finite
     */
    public void verify() throws DataFileFormatException {
        verifyBlock("features", DataFile.Header.featuresOffset(), 4L * header.rows() * features, features, header.featuresCrc());
        verifyBlock("targets", targetsOffset, 4L * header.rows() * targets, targets, header.targetsCrc());
    }

    private void verifyBlock(String what, long offset, long bytes, int cols, int expectedCrc) throws DataFileFormatException {
        CRC32 crc = new CRC32();
        for (long done = 0; done < bytes; ) {
            int n = (int) Math.min(VERIFY_CHUNK, bytes - done);
            MemorySegment chunk = file.asSlice(offset + done, n);
            crc.update(chunk.asByteBuffer());
            for (long i = 0; i < n; i += 4) {
                float v = chunk.get(FLOAT, i);
                if (!Float.isFinite(v)) {
                    long value = (done + i) / 4;
                    throw new DataFileFormatException(path.toString(), (what.equals("features") ? "feature" : "target") + " value " + v
                            + " at sample " + value / cols + ", column " + value % cols + " is not finite: the file was not written by delta4j"
                            + " or is corrupt; convert the data again");
                }
            }
            done += n;
        }
        if ((int) crc.getValue() != expectedCrc) {
            throw new DataFileFormatException(path.toString(), "the " + what + " fail their checksum (corrupt file): convert the data again");
        }
    }

    @Override
    public int size() {
        return (int) header.rows();
    }

    @Override
    public int features() {
        return features;
    }

    @Override
    public int targets() {
        return targets;
    }

    @Override
    public void gatherFeatures(int[] order, int from, int count, float[] dst) {
        gather(DataFile.Header.featuresOffset(), features, order, from, count, dst);
    }

    @Override
    public void gatherTargets(int[] order, int from, int count, float[] dst) {
        gather(targetsOffset, targets, order, from, count, dst);
    }

    private void gather(long base, int cols, int[] order, int from, int count, float[] dst) {
        long rowBytes = 4L * cols;
        for (int r = 0; r < count; r++) {
            int i = order == null ? from + r : order[from + r];
            MemorySegment.copy(file, FLOAT, base + i * rowBytes, dst, r * cols, cols);
        }
    }

    /** {@return the file this was mapped from} */
    public Path path() {
        return path;
    }

    /** {@return the feature columns' names (a CSV header's), or an empty list} */
    public List<String> featureNames() {
        return meta.featureNames();
    }

    /** {@return the target columns' names, or an empty list} */
    public List<String> targetNames() {
        return meta.targetNames();
    }

    /** {@return the class labels when the targets are one-hot rows of classes, or null (regression)} */
    public Labels labels() {
        return meta.labels();
    }

    /**
     * {@return whether the file says its features are on a common scale already (IDX pixels in [0, 1]), so training
     * need not standardise them}
     */
    public boolean featuresScaled() {
        return (header.flags() & DataFile.FLAG_SCALED) != 0;
    }

    /** {@return the size of the file in bytes} */
    public long fileBytes() {
        return header.fileLength();
    }

    /**
     * {@return the file's content in a few characters: the CRC-32s of its features, targets and metadata (as stored in
     * its header), e.g. to tell whether a checkpoint was written on the same data}
     */
    public String fingerprint() {
        HexFormat hex = HexFormat.of();
        return hex.toHexDigits(header.featuresCrc()) + "-" + hex.toHexDigits(header.targetsCrc()) + "-" + hex.toHexDigits(header.metaCrc());
    }

    /** Unmaps the file; idempotent. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return path + ": " + size() + " samples, " + features + " features, " + targets + " targets";
    }
}
