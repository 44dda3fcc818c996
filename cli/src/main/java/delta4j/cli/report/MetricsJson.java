package delta4j.cli.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import delta4j.io.AtomicFiles;
import delta4j.model.EpochReport;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code --metrics-json} files. Training writes
 * <pre>
 * {"engine": str, "device": str,
 *  "epochs": [{"epoch": int, "train_loss": num, "val_loss": num|null, "seconds": num}, ...],
 *  "test": {"loss": num, "mse": num, "mae": num, "r2": num|null, "accuracy": num|null} | null,
 *  "samples_per_second": num}
 * </pre>
 * and {@code eval} writes the "test" object alone. A multi-label model's "test" object adds
 * {@code "micro_f1": num, "macro_f1": num, "subset_accuracy": num, "label_accuracy": [num, ...], "label_f1": [num, ...]}
 * (one entry per label, in output order). A number that is not finite (no validation set, R² of a
 * classifier) is written as null, never as a bare NaN, which JSON does not have.
 */
public final class MetricsJson {

    private static final JsonFactory JSON = new JsonFactory();

    private MetricsJson() {
    }

    /** The training report as JSON text. */
    public static String training(String engine, String device, List<EpochReport> epochs, TestMetrics test, double samplesPerSecond) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("engine", engine);
            g.writeStringField("device", device);
            g.writeArrayFieldStart("epochs");
            for (EpochReport e : epochs) {
                g.writeStartObject();
                g.writeNumberField("epoch", e.epoch());
                number(g, "train_loss", e.trainLoss());
                number(g, "val_loss", e.validationLoss());
                number(g, "seconds", e.seconds());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeFieldName("test");
            if (test == null) {
                g.writeNull();
            } else {
                testObject(g, test);
            }
            number(g, "samples_per_second", samplesPerSecond);
            g.writeEndObject();
        });
    }

    /** The evaluation report (the "test" object) as JSON text. */
    public static String test(TestMetrics test) {
        return write(g -> testObject(g, test));
    }

    /**
     * A flat JSON object from fields in order: values may be strings, booleans, numbers (non-finite →
     * null), int arrays, or null (the bench results).
     */
    public static String flat(java.util.Map<String, ?> fields) {
        return write(g -> {
            g.writeStartObject();
            for (var f : fields.entrySet()) {
                Object v = f.getValue();
                switch (v) {
                    case null -> g.writeNullField(f.getKey());
                    case String s -> g.writeStringField(f.getKey(), s);
                    case Boolean b -> g.writeBooleanField(f.getKey(), b);
                    case Integer i -> g.writeNumberField(f.getKey(), i);
                    case Long l -> g.writeNumberField(f.getKey(), l);
                    case Number n -> number(g, f.getKey(), n.doubleValue());
                    case int[] a -> {
                        g.writeFieldName(f.getKey());
                        g.writeArray(a, 0, a.length);
                    }
                    default -> throw new IllegalArgumentException("cannot write a " + v.getClass().getSimpleName() + " as JSON");
                }
            }
            g.writeEndObject();
        });
    }

    /** Writes JSON text to a file atomically. */
    public static void save(Path file, String json) throws IOException {
        AtomicFiles.writeString(file, json);
    }

    private static void testObject(JsonGenerator g, TestMetrics t) throws IOException {
        g.writeStartObject();
        number(g, "loss", t.loss());
        number(g, "mse", t.mse());
        number(g, "r2", t.r2());
        number(g, "accuracy", t.accuracy());
        number(g, "mae", t.mae());
        if (t.isMultiLabel()) {
            number(g, "micro_f1", t.multiLabel().microF1());
            number(g, "macro_f1", t.multiLabel().macroF1());
            number(g, "subset_accuracy", t.multiLabel().subsetAccuracy());
            numbers(g, "label_accuracy", t.multiLabel().labelAccuracy());
            numbers(g, "label_f1", t.multiLabel().labelF1());
        }
        g.writeEndObject();
    }

    private static void numbers(JsonGenerator g, String field, double[] v) throws IOException {
        g.writeArrayFieldStart(field);
        for (double x : v) {
            if (Double.isFinite(x)) {
                g.writeNumber(x);
            } else {
                g.writeNull();
            }
        }
        g.writeEndArray();
    }

    private static void number(JsonGenerator g, String field, double v) throws IOException {
        if (Double.isFinite(v)) {
            g.writeNumberField(field, v);
        } else {
            g.writeNullField(field);
        }
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static String write(Body body) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.useDefaultPrettyPrinter();
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return w.toString() + System.lineSeparator();
    }
}
