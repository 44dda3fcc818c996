package delta4j.model;

/** The learning rate for each epoch, from the optimizer's base rate η0 ("how far to walk?"). */
@FunctionalInterface
public interface LearningRateSchedule {

    /**
     * @param base   η0
     * @param epoch  0-based epoch
     * @param epochs the maximum number of epochs
     */
    float rate(float base, int epoch, int epochs);

    /** η = η0 always. */
    static LearningRateSchedule constant() {
        return (base, epoch, epochs) -> base;
    }

    /** η = η0 · γ^⌊epoch / every⌋. */
    static LearningRateSchedule step(int every, float gamma) {
        if (every <= 0 || !(gamma > 0)) {
            throw new IllegalArgumentException("step schedule needs every > 0 and gamma > 0, got " + every + ", " + gamma);
        }
        return (base, epoch, epochs) -> (float) (base * Math.pow(gamma, epoch / every));
    }

    /** Cosine annealing from η0 to η0·minFactor over the maximum number of epochs. */
    static LearningRateSchedule cosine(float minFactor) {
        return (base, epoch, epochs) -> {
            double progress = epochs <= 1 ? 0 : (double) epoch / (epochs - 1);
            return (float) (base * (minFactor + (1 - minFactor) * 0.5 * (1 + Math.cos(Math.PI * progress))));
        };
    }

    /** Parses "constant", "step" (halve every 10 epochs... configurable: step:EVERY:GAMMA), "cosine". */
    static LearningRateSchedule parse(String spec) {
        String[] p = spec.trim().toLowerCase(java.util.Locale.ROOT).split(":");
        return switch (p[0]) {
            case "constant" -> constant();
            case "step" -> step(p.length > 1 ? Integer.parseInt(p[1]) : 10, p.length > 2 ? Float.parseFloat(p[2]) : 0.5f);
            case "cosine" -> cosine(p.length > 1 ? Float.parseFloat(p[1]) : 0f);
            default -> throw new IllegalArgumentException("unknown schedule '" + spec + "': use constant, step[:EVERY[:GAMMA]] or cosine[:MIN_FACTOR]");
        };
    }
}
