package delta4j.cli;

import delta4j.cli.io.IdxTestFiles;
import delta4j.data.MappedDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code delta4j convert}, and train, eval and predict on its binary data files: the same model, metrics and
 * predictions as from the source it was converted from, byte for byte.
 */
class ConvertCommandTest {

    @TempDir
    Path dir;

    Path csv(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    String regressionCsv(int rows) {
        StringBuilder sb = new StringBuilder("size,rooms,age,price,rent\n");
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(rows);
        for (int i = 0; i < rows; i++) {
            double a = rnd.nextDouble(20, 200), b = rnd.nextInt(1, 8), c = rnd.nextDouble(0, 80);
            sb.append(a).append(',').append(b).append(',').append(c).append(',').append(3000 * a + 1e4 * b - 500 * c)
                    .append(',').append(10 * a + 0.5 * b).append('\n');
        }
        return sb.toString();
    }

    String classificationCsv(int rows) {
        StringBuilder sb = new StringBuilder();
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(rows + 1);
        for (int i = 0; i < rows; i++) {
            double a = rnd.nextDouble(-1, 1), b = rnd.nextDouble(-1, 1);
            sb.append(a).append(';').append(b).append(';').append(a + b > 0.3 ? "yes" : a + b < -0.3 ? "no" : "maybe").append('\n');
        }
        return sb.toString();
    }

    static void ok(Cli.Result r) {
        assertEquals(Main.OK, r.exit(), r::toString);
    }

    @Test
    void aConvertedRegressionCsvTrainsEvaluatesAndPredictsAsTheCsvDoes() throws IOException {
        Path source = csv("houses.csv", regressionCsv(600)), test = csv("test.csv", regressionCsv(150));
        Path data = dir.resolve("houses.d4jdata"), testData = dir.resolve("test.d4jdata");
        Cli.Result c = Cli.run("convert", "--data", source.toString(), "--targets", "2", "--out", data.toString());
        ok(c);
        assertTrue(c.out().contains("converted " + source + ": 600 samples, 3 features, 2 targets"), c::toString);
        ok(Cli.run("convert", "--data", test.toString(), "--targets", "2", "--out", testData.toString()));
        try (MappedDataset m = MappedDataset.open(data)) {
            assertEquals(List.of("size", "rooms", "age"), m.featureNames());
            assertEquals(List.of("price", "rent"), m.targetNames());
            assertFalse(m.featuresScaled(), "CSV features are standardised by train");
        }
        String[] common = {"--targets", "2", "--layers", "3,12,2", "--epochs", "4", "--validation", "0.2", "--patience", "2",
                "--engine", "reference", "--quiet"};
        Path fromCsv = dir.resolve("csv.d4j"), fromFile = dir.resolve("file.d4j");
        Cli.Result a = Cli.run(concat(new String[] {"train", "--data", source.toString(), "--test", test.toString(), "--out", fromCsv.toString()}, common));
        Cli.Result b = Cli.run(concat(new String[] {"train", "--data", data.toString(), "--test", testData.toString(), "--out", fromFile.toString()}, common));
        ok(a);
        ok(b);
        assertArrayEquals(Files.readAllBytes(fromCsv), Files.readAllBytes(fromFile), "the same model, byte for byte");
        assertEquals(line(a.out(), "test:"), line(b.out(), "test:"));
        assertEquals(line(a.out(), "loss:"), line(b.out(), "loss:"));
        Cli.Result ea = Cli.run("eval", "--model", fromCsv.toString(), "--data", test.toString(), "--engine", "reference");
        Cli.Result eb = Cli.run("eval", "--model", fromCsv.toString(), "--data", testData.toString(), "--engine", "reference");
        ok(eb);
        assertEquals(line(ea.out(), "result:"), line(eb.out(), "result:"));
        Path pa = dir.resolve("pa.csv"), pb = dir.resolve("pb.csv");
        ok(Cli.run("predict", "--model", fromCsv.toString(), "--data", test.toString(), "--out", pa.toString(), "--engine", "reference"));
        ok(Cli.run("predict", "--model", fromCsv.toString(), "--data", testData.toString(), "--out", pb.toString(), "--engine", "reference"));
        assertEquals(Files.readString(pa), Files.readString(pb));
    }

    @Test
    void aConvertedClassificationCsvKeepsItsLabelsInTrainsOrder() throws IOException {
        Path source = csv("c.csv", classificationCsv(400));
        Path data = dir.resolve("c.d4jdata");
        Cli.Result c = Cli.run("convert", "--data", source.toString(), "--task", "classification", "--out", data.toString());
        ok(c);
        assertTrue(c.out().contains("400 samples, 2 features, 3 classes"), c::toString);
        Path fromCsv = dir.resolve("csv.d4j"), fromFile = dir.resolve("file.d4j");
        ok(Cli.run("train", "--data", source.toString(), "--task", "classification", "--layers", "2,8,3", "--epochs", "3", "--engine", "reference",
                "--quiet", "--out", fromCsv.toString()));
        // The task comes from the file: it holds class labels.
        ok(Cli.run("train", "--data", data.toString(), "--layers", "2,8,3", "--epochs", "3", "--engine", "reference", "--quiet", "--out", fromFile.toString()));
        assertArrayEquals(Files.readAllBytes(fromCsv), Files.readAllBytes(fromFile));
        Cli.Result e = Cli.run("eval", "--model", fromCsv.toString(), "--data", data.toString(), "--engine", "reference");
        ok(e);
        assertTrue(e.out().contains("accuracy"), e::toString);
        CliTest.assertRuntimeError(Cli.run("train", "--data", data.toString(), "--task", "regression", "--layers", "2,8,3", "--engine", "reference"),
                "holds class labels [maybe, no, yes] (a classification data set): use --task classification or leave --task out");
    }

    @Test
    void idxDataConvertsInOnePassAndTrainsAsTheFolderDoes() throws IOException {
        Path folder = dir.resolve("idx");
        Files.createDirectories(folder);
        IdxTestFiles.folder(folder, 300, 80, 6, 5, 4, true);
        Path train = dir.resolve("train.d4jdata"), test = dir.resolve("test.d4jdata"), single = dir.resolve("single.d4jdata");
        ok(Cli.run("convert", "--data", folder.toString(), "--out", train.toString()));
        ok(Cli.run("convert", "--data", folder.toString(), "--part", "test", "--out", test.toString()));
        // An images file alone: its labels file is found beside it.
        Path images;
        try (Stream<Path> s = Files.list(folder)) {
            images = s.filter(p -> p.getFileName().toString().startsWith("train-images")).findFirst().orElseThrow();
        }
        ok(Cli.run("convert", "--data", images.toString(), "--out", single.toString()));
        assertArrayEquals(Files.readAllBytes(train), Files.readAllBytes(single));
        try (MappedDataset m = MappedDataset.open(train)) {
            assertEquals(300, m.size());
            assertEquals(30, m.features());
            assertTrue(m.featuresScaled(), "pixels in [0, 1] are not standardised");
            assertEquals(List.of("0", "1", "2", "3"), m.labels().names());
        }
        Path fromFolder = dir.resolve("folder.d4j"), fromFile = dir.resolve("file.d4j");
        Cli.Result a = Cli.run("train", "--data", folder.toString(), "--layers", "30,8,4", "--epochs", "2", "--engine", "reference", "--quiet",
                "--out", fromFolder.toString());
        Cli.Result b = Cli.run("train", "--data", train.toString(), "--test", test.toString(), "--layers", "30,8,4", "--epochs", "2",
                "--engine", "reference", "--quiet", "--out", fromFile.toString());
        ok(a);
        ok(b);
        assertArrayEquals(Files.readAllBytes(fromFolder), Files.readAllBytes(fromFile));
        assertEquals(line(a.out(), "test:"), line(b.out(), "test:"));
    }

    @Test
    void badSourcesAndOptionsAreRefusedAndLeaveNothingBehind() throws IOException {
        Path bad = csv("bad.csv", "a,b,y\n1,2,3\n4,x,6\n");
        Path out = dir.resolve("bad.d4jdata");
        CliTest.assertRuntimeError(Cli.run("convert", "--data", bad.toString(), "--out", out.toString()), bad + ", line 3, column 2: 'x' is not a number");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(bad), s.toList(), "no output and no temporary file after a failed conversion");
        }
        CliTest.assertUsageError(Cli.run("convert", "--data", bad.toString(), "--out", bad.toString()));
        CliTest.assertUsageError(Cli.run("convert", "--data", bad.toString(), "--part", "middle", "--out", out.toString()));
        Path good = csv("good.csv", "1,2,3\n4,5,6\n");
        Path data = dir.resolve("good.d4jdata");
        ok(Cli.run("convert", "--data", good.toString(), "--out", data.toString()));
        CliTest.assertUsageError(Cli.run("convert", "--data", data.toString(), "--out", dir.resolve("again.d4jdata").toString()));
        // A damaged data file: one line naming it, for every command that reads it.
        byte[] b = Files.readAllBytes(data);
        Path cut = dir.resolve("cut.d4jdata");
        Files.write(cut, Arrays.copyOf(b, b.length - 3));
        CliTest.assertRuntimeError(Cli.run("train", "--data", cut.toString(), "--layers", "2,1", "--engine", "reference"), cut + ": the file was cut short");
        b[b.length / 2] ^= 0x40;
        Path flipped = dir.resolve("flipped.d4jdata");
        Files.write(flipped, b);
        CliTest.assertRuntimeError(Cli.run("train", "--data", flipped.toString(), "--layers", "2,1", "--engine", "reference"), flipped + ": the ");
        Path model = dir.resolve("m.d4j");
        ok(Cli.run("train", "--data", data.toString(), "--layers", "2,1", "--epochs", "1", "--engine", "reference", "--quiet", "--out", model.toString()));
        Path wide = dir.resolve("wide.d4jdata");
        ok(Cli.run("convert", "--data", csv("wide.csv", "1,2,3,4\n").toString(), "--out", wide.toString()));
        CliTest.assertRuntimeError(Cli.run("eval", "--model", model.toString(), "--data", wide.toString(), "--engine", "reference"),
                "holds 3 features, but the model expects 2 features");
    }

    @Test
    void aConversionReplacesAFileKeepingItsPermissionsAndWritesThroughALink() throws IOException {
        Path source = csv("s.csv", "1,2,3\n4,5,6\n");
        Path real = dir.resolve("real.d4jdata"), link = dir.resolve("link.d4jdata");
        Files.writeString(real, "old");
        java.nio.file.attribute.PosixFileAttributeView view = Files.getFileAttributeView(real, java.nio.file.attribute.PosixFileAttributeView.class);
        org.junit.jupiter.api.Assumptions.assumeTrue(view != null, "POSIX permissions");
        Files.setPosixFilePermissions(real, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Files.createSymbolicLink(link, real.getFileName());
        ok(Cli.run("convert", "--data", source.toString(), "--out", link.toString()));
        assertTrue(Files.isSymbolicLink(link), "the link stays a link");
        try (MappedDataset m = MappedDataset.open(link)) {
            assertEquals(2, m.size());
        }
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(real)));
    }

    private static String line(String out, String prefix) {
        return out.lines().filter(l -> l.startsWith(prefix)).findFirst().orElse("(no " + prefix + " line in:\n" + out + ")");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
