package delta4j.cli;

import delta4j.cli.report.Words;
import delta4j.engine.Activation;
import delta4j.model.Normalization;
import picocli.CommandLine.Option;

/** {@code delta4j train}'s options for every hidden layer: its activation, normalisation and dropout. */
final class HiddenLayerOptions {

    @Option(names = "--activation", paramLabel = "F", defaultValue = "relu", completionCandidates = Options.HiddenActivations.class,
            converter = Options.HiddenActivations.class,
            description = "Hidden-layer activation: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    Activation activation;

    @Option(names = "--norm", paramLabel = "N", defaultValue = "none", completionCandidates = Options.Normalizations.class,
            converter = Options.Normalizations.class,
            description = "Normalisation of every hidden layer, before its activation: ${COMPLETION-CANDIDATES} (layer: over each sample's units;"
                    + " batch: each unit over the mini-batch, running statistics at prediction). Default: ${DEFAULT-VALUE}.")
    Normalization norm;

    @Option(names = "--dropout", paramLabel = "P", defaultValue = "0", converter = Options.DropoutProbability.class,
            description = "Drop each hidden unit with probability P during training (inverted dropout after every hidden layer; none at"
                    + " prediction), from 0 to below 1. Default: off.")
    float dropout;

    /** Refuses normalisation or dropout for layers that have no hidden layer to apply them to. */
    void check(Layers layers) {
        if (!layers.hasHidden() && norm != Normalization.NONE) {
            throw new UsageException("--norm " + norm.id() + ": --layers " + layers + " has no hidden layer to normalise (the output layer is"
                    + " never normalised); add one, e.g. --layers " + layers.withHidden());
        }
        if (!layers.hasHidden() && dropout > 0) {
            throw new UsageException("--dropout " + Words.decimal(dropout) + ": --layers " + layers + " has no hidden layer to drop units of;"
                    + " add one, e.g. --layers " + layers.withHidden());
        }
    }
}
