package delta4j.reliability;

import com.code_intelligence.jazzer.junit.FuzzTest;
import delta4j.io.CheckpointFile;
import delta4j.io.ModelFormatException;

/**
 * Coverage-guided fuzzing of the checkpoint loader that {@code delta4j train --resume} uses: any byte
 * string is a checkpoint or a {@link ModelFormatException} with a message; a checkpoint that loads can be
 * written and read again. Parsed as is and with the trailing CRC-32 recomputed, as in
 * {@link ModelFileFuzzTest}. Seeds: checkpoints of real training runs (SGD, Adam with early stopping).
 */
class CheckpointFileFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void anyBytesAreACheckpointOrAClearError(byte[] bytes) throws Exception {
        Hostile.guard(bytes, () -> {
            parse(bytes);
            parse(Hostile.withValidCrc(bytes));
        });
    }

    private static void parse(byte[] bytes) throws ModelFormatException {
        CheckpointFile.Checkpoint c;
        try {
            c = CheckpointFile.read(bytes, "fuzz.ckpt");
        } catch (ModelFormatException e) {
            Hostile.requireMessage(e);
            return;
        }
        CheckpointFile.read(CheckpointFile.toBytes(c.state(), c.settings()), "again.ckpt");
    }
}
