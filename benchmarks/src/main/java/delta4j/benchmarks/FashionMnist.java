package delta4j.benchmarks;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * The Fashion-MNIST training set (60,000 images of 28×28, 10 classes) as the epoch benchmark uses it:
 * pixels scaled to [0, 1], labels one-hot. Read from the IDX files of Debian's dataset-fashion-mnist
 * package, or from the directory named by the {@code delta4j.fashion} system property or the
 * {@code DELTA4J_FASHION_MNIST} environment variable. When the files are absent a synthetic set of the
 * same shape stands in: an epoch over it does exactly the same work.
 *
 * @param inputs  samples × 784 pixels, row-major
 * @param targets samples × 10 one-hot labels, row-major
 * @param samples number of samples
 * @param source  where the data came from (a directory, or "synthetic (...)")
 */
public record FashionMnist(float[] inputs, float[] targets, int samples, String source) {

    public static final int PIXELS = 784, CLASSES = 10, TRAIN_SAMPLES = 60_000;

    /** Where Debian's dataset-fashion-mnist package installs the files. */
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** The directory holding train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz, or null if none is found. */
    public static Path locate() {
        String configured = System.getProperty("delta4j.fashion", System.getenv("DELTA4J_FASHION_MNIST"));
        for (Path dir : configured == null ? new Path[]{DEBIAN_DIR} : new Path[]{Path.of(configured), DEBIAN_DIR}) {
            if (Files.isReadable(dir.resolve("train-images-idx3-ubyte.gz")) && Files.isReadable(dir.resolve("train-labels-idx1-ubyte.gz"))) {
                return dir;
            }
        }
        return null;
    }

    /**
     * The first {@code samples} training samples: the real set when it is found (and {@code synthetic} is false),
     * otherwise a synthetic one with a fixed seed.
     */
    public static FashionMnist load(int samples, boolean synthetic) {
        Path dir = synthetic ? null : locate();
        return dir == null ? synthetic(samples) : read(dir, samples);
    }

    /** Random pixels and labels, same shapes as the real set. */
    public static FashionMnist synthetic(int samples) {
        SplittableRandom rnd = new SplittableRandom(20_240_601);
        float[] x = new float[samples * PIXELS];
        float[] t = new float[samples * CLASSES];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextInt(256) / 255f;
        }
        for (int i = 0; i < samples; i++) {
            t[i * CLASSES + rnd.nextInt(CLASSES)] = 1f;
        }
        return new FashionMnist(x, t, samples, "synthetic (" + DEBIAN_DIR + " not found: apt-get install dataset-fashion-mnist)");
    }

    /** Reads the first {@code samples} images and labels from the IDX files in {@code dir}. */
    public static FashionMnist read(Path dir, int samples) {
        try (DataInputStream img = open(dir.resolve("train-images-idx3-ubyte.gz"));
             DataInputStream lab = open(dir.resolve("train-labels-idx1-ubyte.gz"))) {
            expect(img.readInt(), 0x0803, "image", dir);
            int n = img.readInt(), rows = img.readInt(), cols = img.readInt();
            expect(lab.readInt(), 0x0801, "label", dir);
            int nl = lab.readInt();
            if (rows * cols != PIXELS || n != nl || samples > n) {
                throw new IllegalStateException("Fashion-MNIST files in " + dir + " hold " + n + " images of " + rows + "×" + cols
                        + " and " + nl + " labels; need " + samples + " images of 28×28 with labels");
            }
            byte[] pixels = new byte[samples * PIXELS];
            byte[] labels = new byte[samples];
            img.readFully(pixels);
            lab.readFully(labels);
            float[] x = new float[pixels.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = (pixels[i] & 0xff) / 255f;
            }
            float[] t = new float[samples * CLASSES];
            for (int i = 0; i < samples; i++) {
                t[i * CLASSES + labels[i]] = 1f;
            }
            return new FashionMnist(x, t, samples, dir.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Fashion-MNIST from " + dir + ": " + e.getMessage(), e);
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream in = new GZIPInputStream(Files.newInputStream(file), 1 << 16);
        return new DataInputStream(in);
    }

    private static void expect(int magic, int wanted, String what, Path dir) {
        if (magic != wanted) {
            throw new IllegalStateException("the " + what + " file in " + dir + " is not IDX (magic 0x" + Integer.toHexString(magic)
                    + ", expected 0x" + Integer.toHexString(wanted) + "): re-install dataset-fashion-mnist");
        }
    }
}
