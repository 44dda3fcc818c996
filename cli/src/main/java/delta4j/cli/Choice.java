package delta4j.cli;

import picocli.CommandLine.ITypeConverter;

import java.util.Iterator;
import java.util.List;
import java.util.function.Function;

/**
 * An option that names one of a set of choices: picocli's conversion of its value and its list in the help
 * (${COMPLETION-CANDIDATES}), both from the same source, the enum that carries the choices' names. A value the parser
 * refuses with an {@link IllegalArgumentException} becomes one line naming the option and the value and listing what
 * to give instead; a parser that words its own {@link UsageException} (a compound value such as "huber:x") is heard
 * as it is.
 *
 * @param <T> what the value converts to
 */
abstract class Choice<T> implements ITypeConverter<T>, Iterable<String> {

    private final String option;
    private final Function<String, T> parse;
    private final List<String> names;

    /**
     * @param option the option's name, e.g. "--norm"
     * @param parse  the parser of a value, throwing {@link IllegalArgumentException} or {@link UsageException}
     * @param names  the choices' names, in the order the help lists them
     */
    Choice(String option, Function<String, T> parse, List<String> names) {
        this.option = option;
        this.parse = parse;
        this.names = List.copyOf(names);
    }

    @Override
    public T convert(String value) {
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException e) {
            throw refused(value);
        }
    }

    /** The refusal of {@code value}: "--norm group: use one of none, layer, batch". */
    UsageException refused(String value) {
        return new UsageException(option + " " + value + ": use " + usage());
    }

    /** {@return what a refusal asks for: "one of a, b, c"} */
    String usage() {
        return "one of " + String.join(", ", names);
    }

    /** {@return the choices' names, in order} */
    List<String> names() {
        return names;
    }

    @Override
    public Iterator<String> iterator() {
        return names.iterator();
    }
}
