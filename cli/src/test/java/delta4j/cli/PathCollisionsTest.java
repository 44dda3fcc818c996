package delta4j.cli;

import delta4j.cli.io.IdxTestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An output that names an input or another output is a usage error before anything is read or written:
 * every case here overwrote a file the user needed (exit 0) before the check existed.
 */
class PathCollisionsTest {

    @TempDir
    Path dir;

    Path csv;
    Path model;

    /** A data file and a trained model, with their bytes, to check that nothing was touched. */
    void setUp() throws IOException {
        StringBuilder sb = new StringBuilder("a,b,y\n");
        for (int i = 0; i < 40; i++) {
            sb.append(i % 5).append(',').append(i % 3).append(',').append(i % 7).append('\n');
        }
        csv = Files.writeString(dir.resolve("x.csv"), sb);
        model = dir.resolve("m.d4j");
        Cli.Result r = Cli.run("train", "--data", csv.toString(), "--layers", "2,3,1", "--epochs", "1", "--engine", "reference",
                "--out", model.toString(), "--quiet");
        assertEquals(0, r.exit(), r::toString);
    }

    /** Runs a command that must be refused, naming both options, and leave every file as it was. */
    void refused(String optionA, String optionB, String... args) throws IOException {
        byte[] data = Files.readAllBytes(csv), m = Files.readAllBytes(model);
        try (var s = Files.list(dir)) {
            long files = s.count();
            Cli.Result r = Cli.run(args);
            CliTest.assertUsageError(r);
            assertTrue(r.err().contains(optionA) && r.err().contains(optionB) && r.err().contains("the same file"), r::toString);
            assertEquals(1, r.err().strip().lines().count(), r::toString);
            assertEquals("", r.out(), "nothing read, nothing trained: " + r);
            assertArrayEquals(data, Files.readAllBytes(csv), "the data file is untouched");
            assertArrayEquals(m, Files.readAllBytes(model), "the model file is untouched");
            try (var after = Files.list(dir)) {
                assertEquals(files, after.count(), "no file created");
            }
        }
    }

    @Test
    void trainOutputsThatNameAnInputOrEachOtherAreRefused() throws IOException {
        setUp();
        String d = csv.toString(), m = model.toString();
        String[] train = {"train", "--data", d, "--layers", "2,3,1", "--epochs", "1", "--engine", "reference"};
        refused("--out", "--data", concat(train, "--out", d));
        refused("--metrics-json", "--data", concat(train, "--metrics-json", d));
        Path test = Files.copy(csv, dir.resolve("test.csv"));
        refused("--metrics-json", "--test", concat(train, "--test", test.toString(), "--metrics-json", test.toString()));
        refused("--out", "--metrics-json", concat(train, "--out", m, "--metrics-json", m));
        refused("--out", "--plot", concat(train, "--out", m, "--plot", m));
        refused("--checkpoint", "--out", concat(train, "--out", m, "--checkpoint-every", "1", "--checkpoint", m));
        refused("--plot", "--data", concat(train, "--plot", d));
        refused("--out", "--resume", concat(train, "--resume", m, "--out", m));
    }

    @Test
    void predictAndEvalOutputsThatNameAnInputAreRefused() throws IOException {
        setUp();
        refused("--out", "--model", "predict", "--model", model.toString(), "--data", csv.toString(), "--out", model.toString());
        refused("--out", "--data", "predict", "--model", model.toString(), "--data", csv.toString(), "--out", csv.toString());
        refused("--metrics-json", "--model", "eval", "--model", model.toString(), "--data", csv.toString(), "--metrics-json", model.toString());
        refused("--metrics-json", "--data", "eval", "--model", model.toString(), "--data", csv.toString(), "--metrics-json", csv.toString());
    }

    /** Other spellings of the same file: through "..", through a symbolic link (to the file or its folder), a hard link. */
    @Test
    void linksDotDotAndHardLinksAreTheSameFile() throws IOException {
        setUp();
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path linkToFile = Files.createSymbolicLink(dir.resolve("link.csv"), csv);
        Path linkToDir = Files.createSymbolicLink(dir.resolve("alias"), dir);
        Path hard = Files.createLink(dir.resolve("hard.csv"), csv);
        String[] train = {"train", "--data", csv.toString(), "--layers", "2,3,1", "--epochs", "1", "--engine", "reference"};
        refused("--out", "--data", concat(train, "--out", sub.resolve("../x.csv").toString()));
        refused("--out", "--data", concat(train, "--out", linkToFile.toString()));
        refused("--out", "--data", concat(train, "--out", linkToDir.resolve("x.csv").toString()));
        refused("--out", "--data", concat(train, "--out", hard.toString()));
        // Two outputs that do not exist yet, one through a linked folder.
        refused("--out", "--plot", concat(train, "--out", dir.resolve("new.d4j").toString(), "--plot", linkToDir.resolve("new.d4j").toString()));
        // A dangling link is written through, to its target: the same file as an output that names the target.
        Path dangling = Files.createSymbolicLink(dir.resolve("next.d4j"), dir.resolve("v2.d4j"));
        refused("--out", "--metrics-json", concat(train, "--out", dangling.toString(), "--metrics-json", dir.resolve("v2.d4j").toString()));
    }

    @Test
    void idxFilesInAFolderAreInputs() throws IOException {
        setUp();
        Path idx = Files.createDirectory(dir.resolve("idx"));
        IdxTestFiles.folder(idx, 20, 10, 2, 2, 2, false);
        Path labels = idx.resolve("t10k-labels-idx1-ubyte");
        byte[] before = Files.readAllBytes(labels);
        Cli.Result r = Cli.run("train", "--data", idx.toString(), "--layers", "4,2", "--epochs", "1", "--out", labels.toString());
        CliTest.assertUsageError(r);
        assertTrue(r.err().contains("--out") && r.err().contains("--data"), r::toString);
        assertArrayEquals(before, Files.readAllBytes(labels));
    }

    /** Resuming from a checkpoint and writing the next checkpoints to the same file is the normal case, not a collision. */
    @Test
    void theCheckpointMayReplaceTheOneResumedFrom() throws IOException {
        setUp();
        Path ckpt = dir.resolve("run.ckpt");
        String[] train = {"train", "--data", csv.toString(), "--layers", "2,3,1", "--engine", "reference", "--quiet",
                "--checkpoint-every", "1", "--checkpoint", ckpt.toString()};
        Cli.Result a = Cli.run(concat(train, "--epochs", "1"));
        assertEquals(0, a.exit(), a::toString);
        Cli.Result b = Cli.run(concat(train, "--epochs", "2", "--resume", ckpt.toString()));
        assertEquals(0, b.exit(), b::toString);
    }

    @Test
    void distinctFilesAreNotTheSame() throws IOException {
        Path a = Files.writeString(dir.resolve("a"), "same content");
        Path b = Files.writeString(dir.resolve("b"), "same content");
        assertFalse(PathCollisions.sameFile(a, b));
        assertFalse(PathCollisions.sameFile(a, dir.resolve("c")));
        assertTrue(PathCollisions.sameFile(dir.resolve("c"), dir.resolve("./c")));
        assertEquals(PathCollisions.canonical(dir.resolve("c")), PathCollisions.canonical(dir.resolve("d/../c")));
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
