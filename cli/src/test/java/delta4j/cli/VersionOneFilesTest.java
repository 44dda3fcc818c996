package delta4j.cli;

import delta4j.io.CheckpointFile;
import delta4j.io.ModelFile;
import delta4j.data.Labels;
import delta4j.data.Standardizer;
import delta4j.engine.Activation;
import delta4j.engine.Loss;
import delta4j.model.Mlp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Model and checkpoint files written by an earlier delta4j (format version 1, resources under
 * delta4j/cli/model/v1, made as its README says) still load to the same model, and a checkpoint still
 * resumes with the options it was written with to the weights that delta4j reached.
 */
class VersionOneFilesTest {

    @TempDir
    Path dir;

    private Path resource(String name) throws IOException {
        try (InputStream in = VersionOneFilesTest.class.getResourceAsStream("/delta4j/cli/model/v1/" + name)) {
            assertNotNull(in, name);
            Path p = dir.resolve(name);
            Files.write(p, in.readAllBytes());
            return p;
        }
    }

    @Test
    void aModelWithEveryActivationCodeLoadsUnchanged() throws IOException {
        Mlp want = Mlp.builder(3).dense(4, Activation.IDENTITY).dense(4, Activation.SIGMOID).dense(4, Activation.TANH)
                .dense(4, Activation.RELU).dense(4, Activation.LEAKY_RELU).dense(3, Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(2024).build();
        want.setStandardizer(new Standardizer(new float[]{0.5f, -1f, 2f}, new float[]{1.5f, 0.25f, 3f}));
        want.setLabels(new Labels(List.of("red", "green", "blue")));
        assertSame(want, ModelFile.load(resource("v1-every-activation-ce.d4j")));

        Mlp mse = Mlp.builder(2).dense(3, Activation.LEAKY_RELU).dense(2, Activation.SIGMOID).loss(Loss.MSE).seed(7).build();
        assertSame(mse, ModelFile.load(resource("v1-mse.d4j")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "v1-nesterov-tanh, 3:5:1, tanh, nesterov, step:3:0.5, 0, 11",
            "v1-adamw-leaky, 3:6:1, leaky_relu, adamw, cosine, 0.01, 3"})
    void aCheckpointResumesToTheSameWeights(String name, String layers, String activation, String optimizer, String schedule,
                                            String weightDecay, String seed) throws IOException {
        Path ckpt = resource(name + ".ckpt"), data = resource("v1-data.csv");
        CheckpointFile.Checkpoint c = CheckpointFile.load(ckpt);
        Map<String, String> s = c.settings();
        assertEquals(activation, s.get("activation"));
        assertEquals(optimizer, s.get("optimizer"));
        assertEquals(schedule, s.get("schedule"));
        assertEquals("mse", s.get("loss"));
        assertEquals(2, c.state().epochsDone());

        Path out = dir.resolve(name + ".d4j");
        // Version 1 trained on raw targets; a checkpoint of it resumes with the options it was made with, which
        // since target standardisation became the default includes saying so (docs/CLI.md, --standardize-targets).
        Cli.Result r = Cli.run("train", "--data", data.toString(), "--layers", layers.replace(':', ','), "--activation", activation,
                "--optimizer", optimizer, "--weight-decay", weightDecay, "--schedule", schedule, "--batch", "8", "--seed", seed,
                "--engine", "reference", "--epochs", "4", "--resume", ckpt.toString(), "--out", out.toString(), "--quiet",
                "--standardize-targets", "false");
        assertEquals(Main.OK, r.exit(), r::toString);
        assertSame(ModelFile.load(resource(name + "-epoch4.d4j")), ModelFile.load(out));
    }

    private static void assertSame(Mlp want, Mlp got) {
        assertEquals(want.toString(), got.toString());
        assertArrayEquals(want.sizes(), got.sizes());
        assertArrayEquals(want.activations(), got.activations());
        assertEquals(want.loss(), got.loss());
        for (int l = 0; l < want.depth(); l++) {
            assertArrayEquals(want.weights(l), got.weights(l), "W[" + l + "]");
            assertArrayEquals(want.biases(l), got.biases(l), "b[" + l + "]");
        }
        assertEquals(want.standardizer() == null, got.standardizer() == null);
        if (want.standardizer() != null) {
            assertArrayEquals(want.standardizer().mean(), got.standardizer().mean());
            assertArrayEquals(want.standardizer().scale(), got.standardizer().scale());
        }
        assertEquals(want.labels() == null ? null : want.labels().names(), got.labels() == null ? null : got.labels().names());
    }
}
