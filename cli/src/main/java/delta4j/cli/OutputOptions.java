package delta4j.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code delta4j train}'s output files: the model, the loss chart and the metrics. */
final class OutputOptions {

    @Option(names = "--out", paramLabel = "MODEL", description = "Save the trained model here (written atomically).")
    Path model;

    @Option(names = "--plot", paramLabel = "PNG", description = "Write a PNG chart of training and validation loss per epoch.")
    Path plot;

    @Option(names = "--metrics-json", paramLabel = "FILE", description = "Write epochs, test metrics and throughput as JSON.")
    Path metricsJson;

    /** Fails before any work when one of them could not be written (missing folder, a folder in the way). */
    void check() {
        Options.checkOutput(model, "--out");
        Options.checkOutput(plot, "--plot");
        Options.checkOutput(metricsJson, "--metrics-json");
    }
}
