package delta4j.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The learning rate for each epoch, from the optimizer's base rate η0 ("how far to walk?"). */
@FunctionalInterface
public interface LearningRateSchedule {

    /**
     * The learning rate η of one epoch.
     *
     * @param base   the optimizer's base rate η0
     * @param epoch  the epoch, 0-based
     * @param epochs the maximum number of epochs of the run
     * @return η for that epoch, positive when {@code base} is
     */
    float rate(float base, int epoch, int epochs);

    /** {@return the constant schedule η = η0} */
    static LearningRateSchedule constant() {
        return (base, epoch, epochs) -> base;
    }

    /**
     * {@return the step schedule η = η0 · γ^⌊epoch / every⌋}
     *
     * @param every the number of epochs between two decays, positive
     * @param gamma the factor γ applied at each decay, positive (0.5 halves the rate)
     * @throws IllegalArgumentException if {@code every} or {@code gamma} is not positive
     */
    static LearningRateSchedule step(int every, float gamma) {
        if (every <= 0 || !(gamma > 0)) {
            throw new IllegalArgumentException("step schedule needs every > 0 and gamma > 0, got " + every + ", " + gamma);
        }
        return (base, epoch, epochs) -> (float) (base * Math.pow(gamma, epoch / every));
    }

    /**
     * {@return cosine annealing from η0 to η0·minFactor over the maximum number of epochs}
     *
     * @param minFactor the last epoch's rate as a fraction of η0, usually in [0, 1]
     */
    static LearningRateSchedule cosine(float minFactor) {
        return (base, epoch, epochs) -> {
            double progress = epochs <= 1 ? 0 : (double) epoch / (epochs - 1);
            return (float) (base * (minFactor + (1 - minFactor) * 0.5 * (1 + Math.cos(Math.PI * progress))));
        };
    }

    /**
     * Parses "constant", "step[:EVERY[:GAMMA]]" (default: halve every 10 epochs) or "cosine[:MIN_FACTOR]"
     * (default: down to 0).
     *
     * @param spec the specification, in any case
     * @return the schedule
     * @throws IllegalArgumentException if the kind is unknown, listing the forms, or a parameter is not a number
     *         ({@link NumberFormatException}) or out of range
     */
    static LearningRateSchedule parse(String spec) {
        String[] p = spec.trim().toLowerCase(Locale.ROOT).split(":");
        return switch (Kind.parse(p[0], spec)) {
            case CONSTANT -> constant();
            case STEP -> step(p.length > 1 ? Integer.parseInt(p[1]) : 10, p.length > 2 ? Float.parseFloat(p[2]) : 0.5f);
            case COSINE -> cosine(p.length > 1 ? Float.parseFloat(p[1]) : 0f);
        };
    }

    /**
     * The schedules by name: each carries its stable {@link #code()} for files, its {@link #id()} on the command
     * line and the parameters that may follow it there; {@link #parse} switches over them exhaustively.
     */
    enum Kind {
        /** {@link LearningRateSchedule#constant()}. */
        CONSTANT(0, "constant", ""),
        /** {@link LearningRateSchedule#step(int, float)}. */
        STEP(1, "step", "[:EVERY[:GAMMA]]"),
        /** {@link LearningRateSchedule#cosine(float)}. */
        COSINE(2, "cosine", "[:MIN_FACTOR]");

        private final int code;
        private final String id;
        private final String parameters;

        Kind(int code, String id, String parameters) {
            this.code = code;
            this.id = id;
            this.parameters = parameters;
        }

        /** {@return the kind's code in files} Fixed forever once released: never an ordinal. */
        public int code() {
            return code;
        }

        /** {@return the lower-case name that starts a schedule's specification on the command line} */
        public String id() {
            return id;
        }

        /** {@return the specification's form, e.g. "step[:EVERY[:GAMMA]]"} */
        public String usage() {
            return id + parameters;
        }

        /**
         * Parses an {@link #id()}, in any case.
         *
         * @param name the id, e.g. "cosine"
         * @return the kind
         * @throws IllegalArgumentException if no kind has that id, listing the forms
         */
        public static Kind parse(String name) {
            return parse(name.trim().toLowerCase(Locale.ROOT), name);
        }

        private static Kind parse(String id, String spec) {
            for (Kind k : values()) {
                if (k.id.equals(id)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown schedule '" + spec + "': use one of " + usages());
        }

        /** {@return every kind's {@link #usage()}, comma-separated in declaration order} */
        public static String usages() {
            return Arrays.stream(values()).map(Kind::usage).collect(Collectors.joining(", "));
        }
    }
}
