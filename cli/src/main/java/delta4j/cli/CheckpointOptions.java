package delta4j.cli;

import delta4j.cli.report.Words;
import delta4j.io.CheckpointFile;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** {@code delta4j train}'s checkpoints: how often to write one, where, and the one to resume from. */
final class CheckpointOptions {

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "0",
            description = "Write a checkpoint every N epochs and at the end (atomically), to resume from with --resume. Default: off.")
    int every;

    @Option(names = "--checkpoint", paramLabel = "FILE", description = "Where --checkpoint-every writes. Default: MODEL.ckpt beside --out MODEL.")
    Path file;

    @Option(names = "--resume", paramLabel = "FILE",
            description = "Continue from a checkpoint, with the options and data it was written with (only --epochs may grow).")
    Path resume;

    boolean enabled() {
        return every > 0;
    }

    /**
     * Where checkpoints go: --checkpoint, else MODEL.ckpt beside --out MODEL, else the file resumed from; null when
     * none is written. Refuses a --checkpoint without --checkpoint-every and a --checkpoint-every with nowhere to write.
     */
    Path target(Path model) {
        if (every < 0) {
            throw new UsageException("--checkpoint-every " + every + ": give a positive number of epochs");
        }
        if (file != null && every == 0) {
            throw new UsageException("--checkpoint " + file + " needs --checkpoint-every N to say how often to write it");
        }
        Path target = file != null ? file : model != null ? model.resolveSibling(model.getFileName() + ".ckpt") : resume;
        if (every > 0 && target == null) {
            throw new UsageException("--checkpoint-every needs a place for the checkpoints: add --checkpoint FILE (or --out MODEL, for MODEL.ckpt)");
        }
        if (every > 0) {
            Options.checkOutput(target, "--checkpoint");
        }
        return target;
    }

    /** The checkpoint of --resume, read whole (a bad one is found before the data is read), or null without --resume. */
    CheckpointFile.Checkpoint load(int epochs) throws IOException {
        CheckpointFile.Checkpoint resumed = resume == null ? null : CheckpointFile.load(resume);
        if (resumed != null && epochs < resumed.state().epochsDone()) {
            int done = resumed.state().epochsDone();
            throw new UsageException("--epochs " + epochs + " with --resume " + resume + ": the checkpoint already holds " + Words.count(done, "epoch")
                    + "; give --epochs " + done + " or more (" + done + " saves its model as it is)");
        }
        return resumed;
    }
}
