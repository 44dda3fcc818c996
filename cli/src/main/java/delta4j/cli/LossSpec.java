package delta4j.cli;

import delta4j.engine.Loss;

import java.util.Arrays;

/**
 * The value of {@code --loss}: a loss and its parameter ("huber:1.5", Huber's δ; the loss's default when none is
 * written), and the text the user gave, which messages quote.
 *
 * @param loss      the loss
 * @param parameter its parameter, checked by {@link Loss#checkParameter(float)}
 * @param spec      the option's value as given
 */
record LossSpec(Loss loss, float parameter, String spec) {

    /** A loss the command chose itself, with the loss's default parameter. */
    static LossSpec of(Loss loss) {
        return new LossSpec(loss, loss.parameter(), loss.id());
    }

    /** "huber:0.5" → Huber's loss with δ 0.5; every failure names --loss and what to write instead. */
    static LossSpec parse(String spec) {
        Loss loss;
        try {
            loss = Loss.parseSpec(spec);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--loss " + spec + ": use one of " + Loss.ids() + " (huber:δ for Huber's threshold δ, default 1)");
        }
        try {
            return new LossSpec(loss, Loss.parseParameter(spec), spec);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            // Loss words it "loss 'huber:x': ..."; the command line names the option.
            throw new UsageException("--loss " + spec + ": " + (m.startsWith("loss '") ? m.substring(m.indexOf("': ") + 3) : m));
        }
    }

    /** How a checkpoint records it: the id, and the parameter of a loss that has one ("huber:1.5"). */
    String recorded() {
        return loss.id() + (loss.hasParameter() ? ":" + parameter : "");
    }

    /** picocli's conversion of {@code --loss}, and its list (${COMPLETION-CANDIDATES}): every loss's id. */
    static final class Converter extends Choice<LossSpec> {
        Converter() {
            super("--loss", LossSpec::parse, Arrays.stream(Loss.values()).map(Loss::id).toList());
        }
    }
}
