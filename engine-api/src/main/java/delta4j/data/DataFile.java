package delta4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The binary data file format (docs/DATA_FORMAT.md): a 128-byte header, the features (N × F float32, row-major),
 * the targets (N × K float32, row-major), each block starting on a 64-byte boundary, and a metadata block with the
 * column names and class labels; little-endian throughout, with a CRC-32 of the header, of each block and of the
 * metadata. Written by {@link DataFileWriter}, read by {@link MappedDataset}. The metadata comes last so that a
 * converter learns the class labels in the same single pass that writes the numbers.
 */
public final class DataFile {

    /** The suggested file name extension. */
    public static final String EXTENSION = ".d4jdata";
    /** The format version this code writes and reads. */
    public static final int VERSION = 1;

    /** {@code \x89D4D\r\n\x1a\n}: not ASCII, and CR LF, SUB, LF catch a text-mode transfer (PNG's trick). */
    static final byte[] MAGIC = {(byte) 0x89, 'D', '4', 'D', '\r', '\n', 0x1a, '\n'};
    static final int HEADER_BYTES = 128;
    /** Blocks start on this boundary, so a block's rows are aligned for any vector load. */
    static final int ALIGN = 64;
    /** The most features or targets a file may declare. */
    static final int MAX_COLUMNS = 1 << 24;
    /** Flag bit 0: class labels follow in the metadata and the targets are one-hot rows of those classes. */
    static final int FLAG_LABELS = 1;
    /** Flag bit 1: the features are on a common scale already (e.g. pixels in [0, 1]): training need not standardise them. */
    static final int FLAG_SCALED = 2;
    static final int KNOWN_FLAGS = FLAG_LABELS | FLAG_SCALED;
    /** The longest name or label, in UTF-8 bytes (a 2-byte length). */
    static final int MAX_NAME_BYTES = 0xFFFF;

    private DataFile() {
    }

    /**
     * {@return whether a file starts with this format's magic number (false when it cannot be read)}
     *
     * @param file the file to look at
     */
    public static boolean isDataFile(Path file) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(MAGIC.length), MAGIC);
        } catch (IOException e) {
            return false;
        }
    }

    static long align(long offset) {
        return (offset + ALIGN - 1) / ALIGN * ALIGN;
    }

    /**
     * The fixed header.
     *
     * @param rows           N
     * @param features       F
     * @param targets        K
     * @param flags          {@link #FLAG_LABELS}, {@link #FLAG_SCALED}
     * @param targetsOffset  where the targets start
     * @param metaOffset     where the metadata starts
     * @param metaLength     metadata bytes (the file ends with them)
     * @param featuresCrc    CRC-32 of the N·F·4 feature bytes
     * @param targetsCrc     CRC-32 of the N·K·4 target bytes
     * @param metaCrc        CRC-32 of the metadata
     */
    record Header(long rows, int features, int targets, int flags, long targetsOffset, long metaOffset, long metaLength,
                  int featuresCrc, int targetsCrc, int metaCrc) {

        static long featuresOffset() {
            return HEADER_BYTES;
        }

        static long targetsOffset(long rows, int features) {
            return align(HEADER_BYTES + 4 * rows * features);
        }

        static long metaOffset(long targetsOffset, long rows, int targets) {
            return align(targetsOffset + 4 * rows * targets);
        }

        long fileLength() {
            return metaOffset + metaLength;
        }

        ByteBuffer encode() {
            ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            b.put(MAGIC).putInt(VERSION).putInt(flags).putLong(rows).putInt(features).putInt(targets)
                    .putLong(featuresOffset()).putLong(targetsOffset).putLong(metaOffset).putLong(metaLength)
                    .putInt(featuresCrc).putInt(targetsCrc).putInt(metaCrc);
            CRC32 crc = new CRC32();
            crc.update(b.array(), 0, HEADER_BYTES - 4);
            b.putInt(HEADER_BYTES - 4, (int) crc.getValue());
            return b.position(0);
        }

        /** Parses and checks a header against the file's length; every problem names the file. */
        static Header decode(String file, ByteBuffer b, long fileLength) throws DataFileFormatException {
            b.order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[MAGIC.length];
            b.get(0, magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new DataFileFormatException(file, "not a delta4j data file (wrong magic number): convert data with"
                        + " 'delta4j convert --data SOURCE --out FILE" + EXTENSION + "'");
            }
            int version = b.getInt(8);
            if (version != VERSION) {
                throw new DataFileFormatException(file, "data format version " + Integer.toUnsignedString(version) + " is not known to this delta4j"
                        + " (it reads version " + VERSION + ")" + (Integer.compareUnsigned(version, VERSION) > 0 ? ": upgrade delta4j" : ""));
            }
            CRC32 crc = new CRC32();
            crc.update(b.array(), 0, HEADER_BYTES - 4);
            if ((int) crc.getValue() != b.getInt(HEADER_BYTES - 4)) {
                throw new DataFileFormatException(file, "the header fails its checksum (corrupt file): convert the data again");
            }
            int flags = b.getInt(12);
            long rows = b.getLong(16);
            int features = b.getInt(24), targets = b.getInt(28);
            long featuresOffset = b.getLong(32), targetsOffset = b.getLong(40), metaOffset = b.getLong(48), metaLength = b.getLong(56);
            if ((flags & ~KNOWN_FLAGS) != 0) {
                throw new DataFileFormatException(file, "unknown flags 0x" + Integer.toHexString(flags) + " in the header (corrupt, or written by a newer delta4j)");
            }
            if (rows < 1 || rows > Integer.MAX_VALUE) {
                throw new DataFileFormatException(file, "the header's sample count " + rows + " is outside 1 to " + Integer.MAX_VALUE + " (corrupt?)");
            }
            if (features < 1 || features > MAX_COLUMNS || targets < 1 || targets > MAX_COLUMNS) {
                throw new DataFileFormatException(file, "the header's " + Integer.toUnsignedString(features) + " features and "
                        + Integer.toUnsignedString(targets) + " targets are outside 1 to " + MAX_COLUMNS + " (corrupt?)");
            }
            // rows < 2^31 and columns ≤ 2^24: 4·N·F < 2^57, no overflow.
            long wantTargets = targetsOffset(rows, features), wantMeta = metaOffset(wantTargets, rows, targets);
            if (featuresOffset != featuresOffset() || targetsOffset != wantTargets || metaOffset != wantMeta) {
                throw new DataFileFormatException(file, "the header's block offsets " + featuresOffset + ", " + targetsOffset + ", " + metaOffset
                        + " do not follow from its shape " + rows + " × " + features + " + " + targets + " (expected " + featuresOffset() + ", "
                        + wantTargets + ", " + wantMeta + "): corrupt file");
            }
            if (metaLength < 12 || metaLength > Integer.MAX_VALUE) {
                throw new DataFileFormatException(file, "the header's metadata length " + metaLength + " is not plausible (corrupt?)");
            }
            Header h = new Header(rows, features, targets, flags, targetsOffset, metaOffset, metaLength, b.getInt(64), b.getInt(68), b.getInt(72));
            if (fileLength != h.fileLength()) {
                throw new DataFileFormatException(file, fileLength < h.fileLength()
                        ? "the file was cut short: its header announces " + h.fileLength() + " bytes, only " + fileLength + " are there; convert the data again"
                        : "has " + (fileLength - h.fileLength()) + " bytes after the end its header announces (" + h.fileLength() + " bytes): corrupt file");
            }
            return h;
        }
    }

    /**
     * The metadata block: per list a 4-byte count (0, or the number of columns or classes), then each entry as a
     * 2-byte length and that many bytes of UTF-8.
     *
     * @param featureNames the feature columns' names, or empty
     * @param targetNames  the target columns' names, or empty
     * @param labels       the class labels (the targets are one-hot rows of them), or null
     */
    record Meta(List<String> featureNames, List<String> targetNames, Labels labels) {

        Meta {
            featureNames = List.copyOf(featureNames);
            targetNames = List.copyOf(targetNames);
        }

        byte[] encode() {
            List<byte[]> parts = new ArrayList<>();
            int total = 0;
            for (List<String> list : List.of(featureNames, targetNames, labels == null ? List.<String>of() : labels.names())) {
                parts.add(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(list.size()).array());
                total += 4;
                for (String s : list) {
                    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
                    parts.add(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) utf8.length).array());
                    parts.add(utf8);
                    total += 2 + utf8.length;
                }
            }
            ByteBuffer b = ByteBuffer.allocate(total);
            parts.forEach(b::put);
            return b.array();
        }

        /** Checks the names before anything is written: each at most {@link #MAX_NAME_BYTES} bytes of UTF-8. */
        static void checkNames(String what, List<String> names, int expected) {
            if (!names.isEmpty() && names.size() != expected) {
                throw new IllegalArgumentException(names.size() + " " + what + " names for " + expected + " " + what + "s: give one per column, or none");
            }
            for (String s : names) {
                if (s.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
                    throw new IllegalArgumentException("the " + what + " name '" + s.substring(0, 40) + "...' is longer than "
                            + MAX_NAME_BYTES + " bytes of UTF-8");
                }
            }
        }

        static Meta decode(String file, ByteBuffer b, Header h) throws DataFileFormatException {
            b.order(ByteOrder.LITTLE_ENDIAN);
            List<String> features = names(file, b, "feature names", h.features());
            List<String> targets = names(file, b, "target names", h.targets());
            List<String> labels = names(file, b, "class labels", h.targets());
            if (b.hasRemaining()) {
                throw new DataFileFormatException(file, "has " + b.remaining() + " bytes left over after its metadata (corrupt?)");
            }
            boolean flagged = (h.flags() & FLAG_LABELS) != 0;
            if (flagged != !labels.isEmpty()) {
                throw new DataFileFormatException(file, flagged ? "its header announces class labels, but the metadata holds none (corrupt?)"
                        : "its metadata holds class labels, but its header does not announce them (corrupt?)");
            }
            if (new HashSet<>(labels).size() != labels.size()) {
                throw new DataFileFormatException(file, "its class labels repeat (corrupt?)");
            }
            return new Meta(features, targets, labels.isEmpty() ? null : new Labels(labels));
        }

        private static List<String> names(String file, ByteBuffer b, String what, int columns) throws DataFileFormatException {
            if (b.remaining() < 4) {
                throw new DataFileFormatException(file, "its metadata ends before the count of " + what + " (corrupt?)");
            }
            int n = b.getInt();
            if (n != 0 && n != columns) {
                throw new DataFileFormatException(file, "its metadata holds " + Integer.toUnsignedString(n) + " " + what + " for "
                        + columns + " columns (corrupt?)");
            }
            List<String> out = new ArrayList<>(n);
            var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            for (int i = 0; i < n; i++) {
                if (b.remaining() < 2) {
                    throw new DataFileFormatException(file, "its metadata ends inside the " + what + " (corrupt?)");
                }
                int len = Short.toUnsignedInt(b.getShort());
                if (b.remaining() < len) {
                    throw new DataFileFormatException(file, "its metadata ends inside the " + what + " (corrupt?)");
                }
                try {
                    out.add(decoder.decode(b.slice(b.position(), len)).toString());
                } catch (CharacterCodingException e) {
                    throw new DataFileFormatException(file, "one of its " + what + " is not UTF-8 (corrupt?)");
                }
                b.position(b.position() + len);
            }
            return out;
        }
    }
}
