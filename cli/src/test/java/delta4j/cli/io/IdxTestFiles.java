package delta4j.cli.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX files for tests. */
public final class IdxTestFiles {

    private IdxTestFiles() {
    }

    /** IDX bytes: magic 0 0 0x08 dims, the dimensions, then the data. */
    public static byte[] idx(int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) 0x08).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(data).array();
    }

    public static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(raw);
        }
        return bos.toByteArray();
    }

    /**
     * Writes a train and a t10k pair of n images of rows × cols pixels into dir: pixel values encode the
     * class (label k → bright left half for even k, bright right half for odd k, plus noise), so a tiny
     * network can learn it.
     */
    public static void folder(Path dir, int nTrain, int nTest, int rows, int cols, int classes, boolean gz) throws IOException {
        write(dir, "train", nTrain, rows, cols, classes, gz, 11);
        write(dir, "t10k", nTest, rows, cols, classes, gz, 12);
    }

    private static void write(Path dir, String prefix, int n, int rows, int cols, int classes, boolean gz, long seed) throws IOException {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
        byte[] px = new byte[n * rows * cols], labels = new byte[n];
        for (int i = 0; i < n; i++) {
            int k = rnd.nextInt(classes);
            labels[i] = (byte) k;
            for (int p = 0; p < rows * cols; p++) {
                int bright = (p % classes) == k ? 200 : 20;
                px[i * rows * cols + p] = (byte) Math.min(255, bright + rnd.nextInt(40));
            }
        }
        byte[] images = idx(new int[] {n, rows, cols}, px), lab = idx(new int[] {n}, labels);
        String ext = gz ? ".gz" : "";
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte" + ext), gz ? gzip(images) : images);
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte" + ext), gz ? gzip(lab) : lab);
    }
}
