package delta4j.cli.io;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipException;

/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST, raw or gzip-compressed (detected from the
 * content, not the name; a gzip file read before is read from its decompressed copy, {@link GunzipCache}). Only
 * unsigned-byte data (type 0x08) is supported, which is what those data sets use: images are
 * {@code [n, rows, cols]}, labels {@code [n]}.
 *
 * <p>Header: two zero bytes, the data type, the number of dimensions, then each dimension as a
 * big-endian unsigned 32-bit integer. Sizes are checked before anything large is allocated, and the
 * data is read in chunks, so a hostile header cannot force a huge allocation.
 */
public final class IdxReader {

    /** The largest number of data bytes accepted (Java arrays are int-indexed). */
    static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    private IdxReader() {
    }

    /** Images: n samples of rows × cols unsigned bytes, row-major. */
    public record Images(int count, int rows, int cols, byte[] pixels) {
        public int pixelsPerImage() {
            return rows * cols;
        }
    }

    /** Reads an image file ({@code [n, rows, cols]} unsigned bytes). */
    public static Images readImages(Path file) throws IOException {
        return opened(file, IdxReader::readImages, false);
    }

    private static Images readImages(Path file, InputStream in) throws IOException {
        long[] dims = header(file, in, 3, "an images file ([count, rows, cols])");
        // Each dimension is below 2^32, so even rows × cols can overflow a long (found by fuzzing):
        // compare by division before multiplying.
        long rows = dims[1], cols = dims[2];
        if (rows == 0 || cols == 0 || rows > MAX_BYTES / cols || dims[0] > MAX_BYTES / (rows * cols)) {
            throw new DataFileException(file.toString(), "the header's sizes " + dims[0] + " × " + dims[1] + " × " + dims[2]
                    + " are not plausible for an images file (corrupt or not IDX?)");
        }
        byte[] pixels = body(file, in, dims[0] * rows * cols, "pixel");
        return new Images((int) dims[0], (int) dims[1], (int) dims[2], pixels);
    }

    /** Reads a label file ({@code [n]} unsigned bytes). */
    public static byte[] readLabels(Path file) throws IOException {
        return opened(file, IdxReader::readLabels, false);
    }

    private static byte[] readLabels(Path file, InputStream in) throws IOException {
        long[] dims = header(file, in, 1, "a labels file ([count])");
        if (dims[0] > MAX_BYTES) {
            throw new DataFileException(file.toString(), "the header claims " + dims[0] + " labels, which is not plausible (corrupt?)");
        }
        return body(file, in, dims[0], "label");
    }

    /**
     * An IDX file read item by item (an image, or a label) in constant memory, with the same checks as
     * {@link #readImages} and {@link #readLabels}: the header first, and after the last item the end of the file
     * (no bytes left over; a gzip file's trailer checked).
     */
    public static final class ItemStream implements java.io.Closeable {
        private final Path file;
        private final InputStream in;
        private final long count;
        private final int itemBytes;
        private final String what;
        private long read;

        private ItemStream(Path file, InputStream in, long count, int itemBytes, String what) {
            this.file = file;
            this.in = in;
            this.count = count;
            this.itemBytes = itemBytes;
            this.what = what;
        }

        /** Number of items the header announces. */
        public long count() {
            return count;
        }

        /** Bytes per item: rows × cols pixels of an image, 1 for a label. */
        public int itemBytes() {
            return itemBytes;
        }

        /** Reads the next item into {@code dst[0..itemBytes)}; false after the last (whose end it checks). */
        public boolean next(byte[] dst) throws IOException {
            if (read == count) {
                return false;
            }
            try {
                int n = in.readNBytes(dst, 0, itemBytes);
                if (n < itemBytes) {
                    throw new DataFileException(file.toString(), "is truncated: its header announces " + count + " " + what + "s, the data ends inside"
                            + " " + what + " " + read + "; download it again");
                }
            } catch (ZipException | EOFException e) {
                throw new DataFileException(file.toString(), "is truncated or corrupt in its " + what + " data (" + gzipProblem(e)
                        + "): download it again", e);
            }
            read++;
            if (read == count) {
                end(file, in, count, what);
            }
            return true;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** Opens an image file ({@code [n, rows, cols]} unsigned bytes) to read image by image. */
    public static ItemStream streamImages(Path file) throws IOException {
        return opened(file, (f, in) -> {
            long[] dims = header(f, in, 3, "an images file ([count, rows, cols])");
            long rows = dims[1], cols = dims[2];
            if (rows == 0 || cols == 0 || rows * cols > MAX_BYTES) {
                throw new DataFileException(f.toString(), "the header's sizes " + dims[0] + " × " + dims[1] + " × " + dims[2]
                        + " are not plausible for an images file (corrupt or not IDX?)");
            }
            return new ItemStream(f, in, dims[0], (int) (rows * cols), "image");
        }, true);
    }

    /** Opens a label file ({@code [n]} unsigned bytes) to read label by label. */
    public static ItemStream streamLabels(Path file) throws IOException {
        return opened(file, (f, in) -> new ItemStream(f, in, header(f, in, 1, "a labels file ([count])")[0], 1, "label"), true);
    }

    /** What is read from an opened IDX file. */
    private interface Reading<T> {
        T from(Path file, InputStream in) throws IOException;
    }

    /**
     * Opens a file, reads it and, unless {@code keepOpen} (a stream that reads on), closes it. On a failure the
     * file is closed and the error names it: a {@link DataFileException} as it is, any other I/O error as unreadable.
     */
    private static <T> T opened(Path file, Reading<T> reading, boolean keepOpen) throws IOException {
        InputStream in = null;
        try {
            in = open(file);
            T read = reading.from(file, in);
            if (!keepOpen) {
                in.close();
            }
            return read;
        } catch (DataFileException e) {
            close(in);
            throw e;
        } catch (IOException e) {
            close(in);
            throw DataFileException.unreadable(file.toString(), e);
        }
    }

    private static void close(InputStream in) {
        if (in != null) {
            try {
                in.close();
            } catch (IOException e) {
                // reading failed already: that is the error to report
            }
        }
    }

    private static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        int b0 = raw.read(), b1 = raw.read();
        raw.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            try {
                return new BufferedInputStream(GunzipCache.standard().open(file, raw), 1 << 16);
            } catch (ZipException | EOFException e) {
                raw.close();
                throw new DataFileException(file.toString(), "is not a valid gzip file (" + gzipProblem(e) + "): download it again", e);
            }
        }
        return raw;
    }

    /** What is wrong with a gzip stream: the JDK's text, or, where it has none (an EOFException), that it ends early. */
    private static String gzipProblem(IOException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? "it ends before its gzip header or data do" : m;
    }

    private static long[] header(Path file, InputStream in, int expectedDims, String what) throws IOException {
        byte[] magic = readFully(file, in, 4, 4, "header");
        int type = magic[2] & 0xff, dims = magic[3] & 0xff;
        if (magic[0] != 0 || magic[1] != 0) {
            throw new DataFileException(file.toString(), String.format("wrong magic number 0x%02X%02X%02X%02X: not an IDX file",
                    magic[0] & 0xff, magic[1] & 0xff, type, dims));
        }
        if (type != 0x08) {
            throw new DataFileException(file.toString(), String.format("IDX data type 0x%02X is not supported: only unsigned bytes (0x08)", type));
        }
        if (dims != expectedDims) {
            throw new DataFileException(file.toString(), "has " + dims + " dimensions, but " + what + " has " + expectedDims);
        }
        byte[] d = readFully(file, in, 4 * dims, 4 * dims, "header");
        long[] out = new long[dims];
        for (int i = 0; i < dims; i++) {
            out[i] = ((d[4 * i] & 0xffL) << 24) | ((d[4 * i + 1] & 0xffL) << 16) | ((d[4 * i + 2] & 0xffL) << 8) | (d[4 * i + 3] & 0xffL);
        }
        if (out[0] == 0) {
            throw new DataFileException(file.toString(), "holds zero samples: give a file with data");
        }
        return out;
    }

    private static byte[] body(Path file, InputStream in, long count, String what) throws IOException {
        byte[] data = readFully(file, in, (int) count, mostBytesIn(file), what + " data");
        end(file, in, count, what);
        return data;
    }

    /**
     * The most data bytes the file can hold: its size, or 1032 times it for a gzip file (deflate's largest ratio), so
     * that a header alone cannot make the reader allocate more than the file holds.
     */
    private static long mostBytesIn(Path file) throws IOException {
        long size = Files.size(file);
        return size > MAX_BYTES / 1032 ? MAX_BYTES : size * 1032;
    }

    /** After the last item: nothing may follow, and a gzip stream's trailer must check out. */
    private static void end(Path file, InputStream in, long count, String what) throws IOException {
        int next;
        try {
            // Reading past the data makes a gzip stream check its trailer (CRC-32 and length): a damaged body
            // shows up here, after every data byte was read.
            next = in.read();
        } catch (ZipException | EOFException e) {
            throw new DataFileException(file.toString(), "is corrupt: its gzip data fail their check (" + gzipProblem(e)
                    + "), so the " + what + "s read may be wrong; download it again", e);
        }
        if (next >= 0) {
            throw new DataFileException(file.toString(), "has bytes after the " + count + " " + what + "s its header announces (corrupt?)");
        }
    }

    /**
     * The most bytes asked of the stream at once. A file's stream reads into a Java array through a temporary native
     * buffer as large as the request, which the JDK then keeps for the thread: one request for Fashion-MNIST's 47 MB of
     * pixels made and touched 47 MB of native memory, and copied every byte twice.
     */
    static final int READ_CHUNK = 1 << 20;

    /**
     * Reads exactly n bytes. Within {@code mostBytes}, what the file can hold, into one array of n (no growing buffers
     * and copies, which cost a tenth of a second on 47 MB), {@link #READ_CHUNK} bytes a request; beyond it, which only a
     * corrupt or hostile header claims, {@code readNBytes} grows its buffer as data arrives instead of trusting n.
     */
    private static byte[] readFully(Path file, InputStream in, int n, long mostBytes, String part) throws IOException {
        byte[] b;
        int read;
        try {
            if (n <= mostBytes) {
                b = new byte[n];
                read = 0;
                while (read < n) {
                    int got = in.readNBytes(b, read, Math.min(READ_CHUNK, n - read));
                    if (got == 0) {
                        break; // the end of the stream: readNBytes returns fewer bytes than asked only there
                    }
                    read += got;
                }
            } else {
                b = in.readNBytes(n);
                read = b.length;
            }
        } catch (ZipException | EOFException e) {
            throw new DataFileException(file.toString(), "is truncated or corrupt in its " + part + " (" + gzipProblem(e)
                    + "): download it again", e);
        }
        if (read < n) {
            throw new DataFileException(file.toString(), "is truncated: its " + part + " needs " + n + " bytes, only " + read
                    + " are there; download it again");
        }
        return b;
    }
}
