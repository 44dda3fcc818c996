package delta4j.benchmarks.report;

/**
 * The markdown the engineers write that the report prints as it is, each from a file named by a command-line option
 * of {@link Report#main}: where it goes, and the heading it gets (or none, where the file brings its own).
 */
public enum Prose {
    /** benchmarks/ANALYSIS.md: the notes on the targets, after the principal result. */
    ANALYSIS("--analysis", "Where a target is missed, and what the profile shows"),
    /** benchmarks/PREDICTION.md: PredictBenchmark's table and its command, after the epoch and the GPU run. */
    PREDICTION("--prediction", "Predictions: one-shot, bound network, predictor"),
    /**
     * benchmarks/NOTES.md: sections measured by hand outside the suite's runs (before-and-after comparisons, analyses
     * with their own machine and command), after the generated sections, so that a new run keeps them.
     */
    NOTES("--notes", null);

    private final String option;
    private final String heading;

    Prose(String option, String heading) {
        this.option = option;
        this.heading = heading;
    }

    /** {@return the command-line option that names this text's file} */
    public String option() {
        return option;
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
        return (heading == null ? "" : "## " + heading + "\n\n") + text.strip() + "\n\n";
    }
}
