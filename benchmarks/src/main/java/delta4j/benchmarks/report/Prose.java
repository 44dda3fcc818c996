package delta4j.benchmarks.report;

import java.util.Locale;

/**
 * The markdown the engineers write that the report prints as it is, each from the file that the option
 * {@code --<name>} of {@link Report#main} names: where it goes, and the heading it gets (or none, where the file brings
 * its own).
 */
public enum Prose {
    /** benchmarks/ANALYSIS.md: the notes on the targets, after the principal result. */
    ANALYSIS,
    /** benchmarks/PREDICTION.md: PredictBenchmark's table and its command, after the epoch and the GPU run. */
    PREDICTION,
    /**
     * benchmarks/NOTES.md: sections measured by hand outside the suite's runs (before-and-after comparisons, analyses
     * with their own machine and command), after the generated sections, so that a new run keeps them.
     */
    NOTES;

    /** {@return the command-line option that names this text's file: --analysis, --prediction, --notes} */
    public String option() {
        return "--" + name().toLowerCase(Locale.ROOT);
    }

    /**
     * {@return the markdown to print for {@code text}: under this text's heading, or as it is; empty for none}
     *
     * @param text the file's markdown, or null
     */
    String section(String text) {
        if (text == null || text.isBlank()) {
            return "";
        }
        String heading = switch (this) {
            case ANALYSIS -> "## Where a target is missed, and what the profile shows\n\n";
            case PREDICTION -> "## Predictions: one-shot, bound network, predictor\n\n";
            case NOTES -> "";
        };
        return heading + text.strip() + "\n\n";
    }
}
