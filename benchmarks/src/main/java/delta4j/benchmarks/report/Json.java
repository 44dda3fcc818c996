package delta4j.benchmarks.report;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The suite's JSON files (JMH results, peer results, suite metadata), read and written with Jackson, and typed access
 * to what was read. Objects become {@code Map<String, Object>} (insertion-ordered), arrays {@code List<Object>},
 * numbers {@code Integer}, {@code Long} or {@code Double}, and true/false/null themselves. JMH writes "NaN" as a
 * string for missing numbers; {@link #number} reads that back as NaN.
 */
public final class Json {

    /**
     * Trailing text after the value is an error; non-finite numbers are written as null (JSON has no NaN, and
     * Python's reader must take every file).
     */
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).registerModule(new SimpleModule()
            .addSerializer(Double.class, new FiniteOrNull())
            .addSerializer(Float.class, new FiniteOrNull()));

    /** Two spaces per level, one element per line, {@code "key": value}. */
    private static final ObjectWriter WRITER = MAPPER.writer(new DefaultPrettyPrinter()
            .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withArrayIndenter(new DefaultIndenter("  ", "\n")).withObjectIndenter(new DefaultIndenter("  ", "\n")));

    private Json() {
    }

    /**
     * Parses one JSON value; trailing non-blank text is an error.
     *
     * @throws IllegalArgumentException naming the line and column where the text stops being JSON
     */
    public static Object parse(String text) {
        try {
            return MAPPER.readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new IllegalArgumentException("malformed JSON" + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr())
                    + ": " + e.getOriginalMessage(), e);
        }
    }

    /** Writes maps, lists, strings, numbers, booleans and null, indented, ending in a newline (NaN and infinities as null). */
    public static String write(Object value) {
        try {
            return WRITER.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON: " + e.getOriginalMessage(), e);
        }
    }

    // ---------------------------------------------------------------- typed access

    /** {@code value} as an object, or an error naming {@code what}. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Object value, String what) {
        if (value instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IllegalArgumentException(what + " should be a JSON object, but is " + describe(value));
    }

    /** {@code value} as an array, or an error naming {@code what}. */
    @SuppressWarnings("unchecked")
    public static List<Object> array(Object value, String what) {
        if (value instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new IllegalArgumentException(what + " should be a JSON array, but is " + describe(value));
    }

    /** A number (or a numeric string such as JMH's "NaN"); NaN when absent. */
    public static double number(Object value) {
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        if (value instanceof String s) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    /** A string (numbers are written without a trailing ".0" when whole); {@code fallback} when absent. */
    public static String string(Object value, String fallback) {
        if (value == null) {
            return fallback;
        }
        if (value instanceof Double d && d == Math.rint(d) && !d.isInfinite()) {
            return Long.toString(d.longValue());
        }
        return value.toString();
    }

    private static String describe(Object value) {
        return value == null ? "null" : value instanceof String ? "a string" : value.getClass().getSimpleName();
    }

    /** A float or double as a JSON number, or null when it is NaN or infinite. */
    private static final class FiniteOrNull extends StdSerializer<Number> {
        FiniteOrNull() {
            super(Number.class);
        }

        @Override
        public void serialize(Number value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            double d = value.doubleValue();
            if (!Double.isFinite(d)) {
                gen.writeNull();
            } else if (value instanceof Float f) {
                gen.writeNumber(f);
            } else {
                gen.writeNumber(d);
            }
        }
    }
}
