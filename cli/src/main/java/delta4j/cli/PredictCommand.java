package delta4j.cli;

import delta4j.io.AtomicFiles;
import delta4j.cli.io.CsvReader;
import delta4j.cli.io.DataSources;
import delta4j.cli.io.LoadedData;
import delta4j.data.Labels;
import delta4j.data.Metrics;
import delta4j.cli.report.Words;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.model.Mlp;
import delta4j.model.Prewarm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code delta4j predict}: writes a model's predictions as CSV. */
@Command(usageHelpAutoWidth = true, name = "predict", sortOptions = false,
        description = {"Predict with a saved model and write CSV, one row per sample: the outputs for regression;"
                + " the class index, its label and the class probabilities (p_LABEL; score_LABEL for a classifier trained with"
                + " --loss mse, whose outputs are not probabilities) for classification; each label's probability (p_LABEL, the"
                + " label present from 0.5) for a multi-label model (trained with --task multilabel, --loss bce).",
                "A CSV SOURCE may hold the features alone or features and targets (the targets are ignored).", ""},
        footer = {"", "Example:", "  delta4j predict --model houses.d4j --data new.csv --out pred.csv"})
final class PredictCommand extends Common implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "A model file written by 'delta4j train --out'.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "SOURCE",
            description = "CSV file, IDX folder, fashion-mnist, or a binary data file from 'delta4j convert'.")
    String data;

    @Option(names = "--out", paramLabel = "CSV", description = "Write the predictions here (atomically) instead of to standard output.")
    Path outFile;

    @Mixin
    EngineOptions engineOptions;

    @Override
    public Integer call() throws Exception {
        Mlp m = ModelOptions.checkAndLoad(model, data, outFile, "--out", engineOptions);
        float[] y;
        LoadedData d;
        // The engine and its device before the data: an unavailable device must not cost reading a large data set.
        try (Engine engine = engineOptions.create();
             // The JIT compiles the forward kernels on made-up rows while the data loads (engine-cpu/README.md, "The first epoch").
             Prewarm prewarm = warmUp(engine, m, data)) {
            d = ModelOptions.data(m, data, CsvReader.Targets.IGNORED);
            try (d) {
                warmOrStop(prewarm, m, d.rows());
                y = d.predict(m, engine);
            }
        }
        if (outFile == null) {
            var out = out();
            write(out, m, y);
            out.flush();
            return Main.OK;
        }
        Outputs outputs = Outputs.standard();
        boolean written = outputs.write("predictions:", "--out", outFile, os -> {
            Writer w = new OutputStreamWriter(os, StandardCharsets.UTF_8);
            write(w, m, y);
            w.flush();
        });
        if (written) {
            err().println("wrote " + Words.count(d.rows(), "prediction") + " to " + outFile);
        } else {
            outputs.printSummary(err());
        }
        return outputs.finish(err());
    }

    /**
     * The warm-up of a prediction with {@code m} on {@code data}: started where the engine's kernels are compiled by
     * the JIT and the data may hold enough rows to pay for it ({@link Prewarm#worthWaiting}), else none.
     */
    static Prewarm warmUp(Engine engine, Mlp m, String data) {
        return EngineOptions.jitCompiled(engine) && Prewarm.worthWaiting(m, DataSources.mostRows(data, m.inputs()))
                ? Prewarm.startPredicting(engine, m, DataSources.keepsBytes(data)) : Prewarm.none();
    }

    /**
     * Waits for a prediction's warm-up where the prediction is large enough to pay for it, else stops it (a few
     * rows run faster in the kernels' first, slow code than the warm-up takes).
     */
    static void warmOrStop(Prewarm prewarm, Mlp m, int rows) {
        if (Prewarm.worthWaiting(m, rows)) {
            prewarm.await();
        } else {
            prewarm.close();
        }
    }

    /**
     * Writes predictions. Values use {@link Float#toString}, the shortest text that reads back as the same
     * float32, so predictions survive a CSV round trip bit for bit.
     */
    static void write(Writer w, Mlp m, float[] y) throws IOException {
        int k = m.outputs(), n = y.length / k;
        boolean multiLabel = ModelOptions.isMultiLabel(m);
        Labels labels = multiLabel ? null : m.labels();
        StringBuilder sb = new StringBuilder(64);
        if (multiLabel) {
            // Independent sigmoid outputs: one probability per label, no single predicted class.
            List<String> names = ModelOptions.labelNames(m).names();
            for (int j = 0; j < k; j++) {
                sb.append(j == 0 ? "" : ",").append(csv("p_" + names.get(j)));
            }
        } else if (labels != null) {
            // Softmax outputs are probabilities; the outputs of a classifier trained with mse are only scores.
            String prefix = m.loss() == Loss.SOFTMAX_CROSS_ENTROPY ? "p_" : "score_";
            sb.append("class,label");
            for (String name : labels.names()) {
                sb.append(',').append(csv(prefix + name));
            }
        } else if (k == 1) {
            sb.append("prediction");
        } else {
            for (int j = 0; j < k; j++) {
                sb.append(j == 0 ? "" : ",").append("prediction_").append(j + 1);
            }
        }
        w.write(sb.append('\n').toString());
        for (int i = 0; i < n; i++) {
            sb.setLength(0);
            if (labels != null) {
                int c = Metrics.argmax(y, k, i);
                sb.append(c).append(',').append(csv(labels.name(c))).append(',');
            }
            for (int j = 0; j < k; j++) {
                sb.append(j == 0 ? "" : ",").append(Float.toString(y[i * k + j]));
            }
            w.write(sb.append('\n').toString());
        }
    }

    /** Quotes a CSV cell when it needs it. */
    static String csv(String s) {
        if (s.indexOf(',') < 0 && s.indexOf(';') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
