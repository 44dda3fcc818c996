package delta4j.cli;

import delta4j.model.LearningRateSchedule;

import java.util.Arrays;
import java.util.Locale;

/**
 * The value of {@code --schedule}: a learning-rate schedule ("constant", "step:EVERY:GAMMA", "cosine:MIN_FACTOR")
 * and its specification in lower case, which the summary line and checkpoints record.
 *
 * @param schedule the schedule
 * @param spec     the specification, trimmed and in lower case
 */
record ScheduleSpec(LearningRateSchedule schedule, String spec) {

    /**
     * A learning-rate schedule; one that would grow the rate (a step GAMMA above 1, a cosine MIN_FACTOR above 1)
     * or make it negative is refused: schedules anneal.
     */
    static ScheduleSpec parse(String spec) {
        LearningRateSchedule s;
        try {
            s = LearningRateSchedule.parse(spec);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--schedule " + spec + ": use one of " + LearningRateSchedule.Kind.usages());
        }
        String[] p = spec.trim().toLowerCase(Locale.ROOT).split(":");
        if (p[0].equals("step") && p.length > 2 && !(Float.parseFloat(p[2]) <= 1)) {
            throw new UsageException("--schedule " + spec + ": GAMMA " + p[2] + " would multiply the learning rate by " + p[2]
                    + (p[1].trim().equals("1") ? " every epoch" : " every " + p[1] + " epochs") + "; give a factor from above 0 to 1, e.g. step:" + p[1] + ":0.5");
        }
        if (p[0].equals("cosine") && p.length > 1 && !(Float.parseFloat(p[1]) >= 0 && Float.parseFloat(p[1]) <= 1)) {
            throw new UsageException("--schedule " + spec + ": MIN_FACTOR " + p[1] + " would " + (Float.parseFloat(p[1]) > 1 ? "grow" : "turn negative")
                    + " the learning rate; give the final rate as a fraction of --lr from 0 to 1, e.g. cosine:0.05");
        }
        return new ScheduleSpec(s, spec.trim().toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return spec;
    }

    /** picocli's conversion of {@code --schedule}, and its list (${COMPLETION-CANDIDATES}): every kind's form. */
    static final class Converter extends Choice<ScheduleSpec> {
        Converter() {
            super("--schedule", ScheduleSpec::parse, Arrays.stream(LearningRateSchedule.Kind.values()).map(LearningRateSchedule.Kind::usage).toList());
        }
    }
}
