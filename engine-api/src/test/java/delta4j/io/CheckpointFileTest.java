package delta4j.io;

import delta4j.data.Dataset;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.reference.ReferenceEngine;
import delta4j.model.Mlp;
import delta4j.model.Optimizer;
import delta4j.model.Trainer;
import delta4j.model.TrainingConfig;
import delta4j.model.TrainingState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoint files hold a whole training state and its settings exactly, and refuse what is not one. */
class CheckpointFileTest {

    @TempDir
    Path dir;

    /** A real state: Adam (two state tensors per parameter) with early stopping (best parameters). */
    static TrainingState state() {
        Dataset data = Dataset.of(new float[][] {{0, 0}, {0, 1}, {1, 0}, {1, 1}, {0.5f, 0.5f}, {0.2f, 0.9f}},
                new float[][] {{0}, {1}, {1}, {0}, {1}, {1}});
        List<TrainingState> states = new ArrayList<>();
        Mlp net = Mlp.builder(2).dense(3, Activation.TANH).dense(1, Activation.SIGMOID).seed(4).build();
        try (Engine e = new ReferenceEngine()) {
            new Trainer(e, TrainingConfig.builder().optimizer(Optimizer.adam(0.1f)).batchSize(2).maxEpochs(3)
                    .validationFraction(0.34).patience(5).checkpointEvery(3, states::add).build()).fit(net, data);
        }
        return states.getLast();
    }

    @Test
    void aStateSurvivesSaveAndLoadExactly() throws IOException {
        TrainingState s = state();
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("lr", "0.1");
        settings.put("data", "6 samples, crc 1a2b=c");
        Path file = dir.resolve("run.ckpt");
        CheckpointFile.save(s, settings, file);
        CheckpointFile.Checkpoint c = CheckpointFile.load(file);
        TrainingState r = c.state();
        assertEquals(settings, c.settings());
        assertEquals(s.epochsDone(), r.epochsDone());
        assertEquals(s.step(), r.step());
        assertEquals(s.previousLoss(), r.previousLoss());
        assertEquals(s.bestValidationLoss(), r.bestValidationLoss());
        assertEquals(s.sinceBest(), r.sinceBest());
        assertEquals(s.bestEpoch(), r.bestEpoch());
        assertEquals(s.history(), r.history());
        assertEquals(s.optimizerState().size(), r.optimizerState().size());
        for (int i = 0; i < s.optimizerState().size(); i++) {
            assertArrayEquals(s.optimizerState().get(i), r.optimizerState().get(i));
        }
        assertEquals(s.bestParameters().size(), r.bestParameters().size());
        for (int l = 0; l < s.model().depth(); l++) {
            assertArrayEquals(s.model().weights(l), r.model().weights(l));
            assertArrayEquals(s.model().biases(l), r.model().biases(l));
        }
        assertArrayEquals(Files.readAllBytes(file), CheckpointFile.toBytes(r, c.settings()), "writing it again gives the same bytes");
    }

    /** {@code state.save} and {@code TrainingState.load} write a checkpoint without settings and read its state back. */
    @Test
    void trainingStateSaveAndLoadAreTheCheckpointFile() throws IOException {
        TrainingState s = state();
        Path file = dir.resolve("state.ckpt");
        s.save(file);
        assertArrayEquals(CheckpointFile.toBytes(s, Map.of()), Files.readAllBytes(file));
        TrainingState r = TrainingState.load(file);
        assertArrayEquals(Files.readAllBytes(file), CheckpointFile.toBytes(r, Map.of()), "the state read back writes the same bytes");
        assertEquals(Map.of(), CheckpointFile.load(file).settings());
    }

    /** A regression on prices: the checkpoint's model (a version 2 model file) carries the target standardizer. */
    @Test
    void aRegressionStateKeepsItsTargetStandardizer() throws IOException {
        float[][] x = {{0}, {1}, {2}, {3}, {4}, {5}};
        float[][] y = {{1.0e6f}, {1.2e6f}, {1.4e6f}, {1.6e6f}, {1.8e6f}, {2.0e6f}};
        List<TrainingState> states = new ArrayList<>();
        Mlp net = Mlp.builder(1).dense(3, Activation.TANH).dense(1, Activation.IDENTITY).seed(4).build();
        try (Engine e = new ReferenceEngine()) {
            new Trainer(e, TrainingConfig.builder().batchSize(2).maxEpochs(2).checkpointEvery(2, states::add).build())
                    .fit(net, Dataset.of(x, y));
        }
        TrainingState s = states.getLast();
        Path file = dir.resolve("prices.ckpt");
        CheckpointFile.save(s, Map.of("standardize-targets", "true"), file);
        TrainingState r = CheckpointFile.load(file).state();
        assertArrayEquals(s.model().targetStandardizer().mean(), r.model().targetStandardizer().mean());
        assertArrayEquals(s.model().targetStandardizer().scale(), r.model().targetStandardizer().scale());
        assertEquals(1.5e6f, r.model().targetStandardizer().mean()[0]);
    }

    @Test
    void whatIsNotACheckpointIsRefusedWithTheReason() throws IOException {
        byte[] good = CheckpointFile.toBytes(state(), Map.of("seed", "42"));
        Path model = dir.resolve("m.d4j");
        ModelFile.save(state().model(), model);
        ModelFormatException notCkpt = assertThrows(ModelFormatException.class, () -> CheckpointFile.load(model));
        assertTrue(notCkpt.getMessage().contains("it is a model file"), notCkpt.getMessage());

        ModelFormatException cut = assertThrows(ModelFormatException.class,
                () -> CheckpointFile.read(Arrays.copyOf(good, good.length - 9), "cut.ckpt"));
        assertTrue(cut.getMessage().startsWith("cut.ckpt: ") && cut.getMessage().contains("checksum"), cut.getMessage());

        byte[] newer = good.clone();
        newer[8] = 2;
        ModelFormatException v = assertThrows(ModelFormatException.class, () -> CheckpointFile.read(newer, "v2.ckpt"));
        assertTrue(v.getMessage().contains("version 2"), v.getMessage());

        ModelFormatException none = assertThrows(ModelFormatException.class, () -> CheckpointFile.load(dir.resolve("missing.ckpt")));
        assertTrue(none.getMessage().contains("no such checkpoint file"), none.getMessage());

        assertThrows(IllegalArgumentException.class, () -> CheckpointFile.toBytes(state(), Map.of("a=b", "c")));
        assertThrows(IllegalArgumentException.class, () -> CheckpointFile.toBytes(state(), Map.of("a", "line\nbreak")));
    }
}
