package delta4j.cli;

import delta4j.cli.io.DataSources;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * The run that the {@code ./delta4j} launcher records its class archive from: the README's commands, on made-up data in
 * a scratch folder, in one JVM, so that the classes they load are the ones the archive holds.
 *
 * <p>The launcher starts this class under {@code -XX:ArchiveClassesAtExit} once per build (docs/CLI.md, "The
 * launcher's class archive"); later commands map the archive instead of reading, parsing and verifying those classes
 * from the jars at every start, work that shares the machine's cores with the JIT and the warm-up before the first
 * epoch (engine-cpu/README.md, "The first epoch"). What it runs decides what is archived and nothing else: a class a
 * command loads that this run did not is read from its jar as before.
 *
 * <p>The constraint: it runs the commands as a user does (their options, their data sources: a CSV file, gzipped IDX
 * files and their decompressed copies, a binary data file), writes nothing outside its scratch folder (the
 * decompression cache included), and deletes the folder at the end; a command that fails ends it with that command's
 * exit code, and the launcher then keeps no archive for this build.
 */
public final class ClassArchiveRun {

    private ClassArchiveRun() {
    }

    public static void main(String[] args) throws IOException {
        Path scratch = Files.createTempDirectory("delta4j-class-archive");
        int status;
        try {
            status = run(scratch, new PrintWriter(Writer.nullWriter()));
        } finally {
            deleteTree(scratch);
        }
        if (status != Main.OK) {
            System.exit(status);
        }
    }

    /**
     * Runs the commands in {@code scratch} (an empty folder), their output to {@code out}, errors to standard error;
     * {@return the first non-zero exit code, or 0}
     */
    static int run(Path scratch, PrintWriter out) throws IOException {
        // The gzipped IDX files' decompressed copies go in the scratch folder, not the user's cache.
        String cache = System.setProperty(DataSources.CACHE_DIR_PROPERTY, scratch.resolve("cache").toString());
        try {
            return runCommands(scratch, out);
        } finally {
            if (cache == null) {
                System.clearProperty(DataSources.CACHE_DIR_PROPERTY);
            } else {
                System.setProperty(DataSources.CACHE_DIR_PROPERTY, cache);
            }
        }
    }

    private static int runCommands(Path scratch, PrintWriter out) throws IOException {
        Path idx = Files.createDirectory(scratch.resolve("idx"));
        writeIdx(idx, "train", 256, 1);
        writeIdx(idx, "t10k", 64, 2);
        Path houses = scratch.resolve("houses.csv");
        writeCsv(houses, 200);
        String houseModel = path(scratch, "houses.d4j"), fashionModel = path(scratch, "fashion.d4j");
        String data = idx.toString(), csv = houses.toString(), mapped = path(scratch, "fashion.d4jdata");
        List<String[]> commands = new ArrayList<>();
        commands.add(words("demo", "--epochs", "3"));
        commands.add(words("train", "--data", csv, "--layers", "8,16,16,1", "--validation", "0.1", "--patience", "5",
                "--epochs", "3", "--checkpoint-every", "1", "--checkpoint", path(scratch, "houses.ckpt"),
                "--plot", path(scratch, "loss.png"), "--metrics-json", path(scratch, "run.json"), "--out", houseModel));
        commands.add(words("eval", "--model", houseModel, "--data", csv));
        commands.add(words("predict", "--model", houseModel, "--data", csv, "--out", path(scratch, "predictions.csv")));
        // The README's Fashion-MNIST command on IDX files of its shape: twice, the second reading the decompressed copies.
        String[] fashion = {"train", "--data", data, "--layers", "784,32,10", "--task", "classification", "--loss", "ce",
                "--optimizer", "adam", "--schedule", "cosine", "--epochs", "1", "--out", fashionModel};
        commands.add(fashion);
        commands.add(words(fashion, "--quiet", "--metrics-json", path(scratch, "fashion.json")));
        commands.add(words("eval", "--model", fashionModel, "--data", data));
        commands.add(words("predict", "--model", fashionModel, "--data", data, "--out", path(scratch, "fashion.csv")));
        commands.add(words("convert", "--data", data, "--out", mapped));
        commands.add(words("eval", "--model", fashionModel, "--data", mapped));
        for (String[] command : commands) {
            int status = Main.run(command, out, new PrintWriter(System.err, true));
            if (status != Main.OK) {
                System.err.println("delta4j: the class archive's run failed at: " + String.join(" ", command));
                return status;
            }
        }
        return Main.OK;
    }

    /** A command line, word by word. */
    private static String[] words(String... words) {
        return words;
    }

    /** {@code command} with more words after it. */
    private static String[] words(String[] command, String... more) {
        String[] words = Arrays.copyOf(command, command.length + more.length);
        System.arraycopy(more, 0, words, command.length, more.length);
        return words;
    }

    private static String path(Path dir, String name) {
        return dir.resolve(name).toString();
    }

    /** An IDX part of {@code rows} 28×28 images and their labels 0-9, gzipped as the Fashion-MNIST package ships them. */
    private static void writeIdx(Path dir, String part, int rows, long seed) throws IOException {
        Random random = new Random(seed);
        byte[] pixels = new byte[rows * 28 * 28];
        random.nextBytes(pixels);
        try (DataOutputStream images = gzip(dir.resolve(part + "-images-idx3-ubyte.gz"))) {
            images.writeInt(0x803);
            images.writeInt(rows);
            images.writeInt(28);
            images.writeInt(28);
            images.write(pixels);
        }
        try (DataOutputStream labels = gzip(dir.resolve(part + "-labels-idx1-ubyte.gz"))) {
            labels.writeInt(0x801);
            labels.writeInt(rows);
            for (int i = 0; i < rows; i++) {
                labels.writeByte(i % 10);
            }
        }
    }

    private static DataOutputStream gzip(Path file) throws IOException {
        OutputStream raw = Files.newOutputStream(file);
        return new DataOutputStream(new GZIPOutputStream(raw));
    }

    /** A regression CSV with a header: 8 features and a target that depends on them. */
    private static void writeCsv(Path file, int rows) throws IOException {
        Random random = new Random(3);
        StringBuilder csv = new StringBuilder("x1,x2,x3,x4,x5,x6,x7,x8,price\n");
        for (int i = 0; i < rows; i++) {
            double target = 0;
            for (int j = 0; j < 8; j++) {
                double x = random.nextGaussian();
                target += (j + 1) * x;
                csv.append(String.format(Locale.ROOT, "%.4f,", x));
            }
            csv.append(String.format(Locale.ROOT, "%.4f%n", 100 + 10 * target));
        }
        Files.writeString(file, csv);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
