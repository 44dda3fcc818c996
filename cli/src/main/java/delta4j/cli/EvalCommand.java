package delta4j.cli;

import delta4j.cli.io.CsvReader;
import delta4j.cli.io.LoadedData;
import delta4j.cli.report.MetricsJson;
import delta4j.cli.report.TestMetrics;
import delta4j.cli.report.Words;
import delta4j.engine.Engine;
import delta4j.model.Mlp;
import delta4j.model.Prewarm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code delta4j eval}: scores a saved model on labelled data. */
@Command(usageHelpAutoWidth = true, name = "eval", sortOptions = false,
        description = {"Score a saved model on data with targets: loss, MSE, MAE and R² (regression), accuracy and the"
                + " confusion matrix (classification), or micro- and macro-F1, exact-match accuracy and each label's accuracy and F1"
                + " (multi-label, a label counting as predicted from probability 0.5). For an IDX folder or fashion-mnist the t10k files are used.", ""},
        footer = {"", "Example:", "  delta4j eval --model fashion.d4j --data fashion-mnist --metrics-json t.json"})
final class EvalCommand extends Common implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "A model file written by 'delta4j train --out'.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "SOURCE",
            description = "Data with targets: CSV file, IDX folder, fashion-mnist, or a binary data file from 'delta4j convert'.")
    String data;

    @Option(names = "--metrics-json", paramLabel = "FILE", description = "Write {\"loss\", \"mse\", \"mae\", \"r2\", \"accuracy\"} as JSON"
            + " (multi-label adds \"micro_f1\", \"macro_f1\", \"subset_accuracy\", \"label_accuracy\", \"label_f1\").")
    Path metricsJson;

    @Mixin
    EngineOptions engineOptions;

    @Override
    public Integer call() throws Exception {
        Mlp m = ModelOptions.checkAndLoad(model, data, metricsJson, "--metrics-json", engineOptions);
        var out = out();
        Outputs outputs = Outputs.standard();
        // The engine and its device before the data: an unavailable device must not cost reading a large data set.
        try (Engine engine = engineOptions.create();
             // The JIT compiles the forward kernels on made-up rows while the data loads (engine-cpu/README.md, "The first epoch").
             Prewarm prewarm = PredictCommand.warmUp(engine, m, data)) {
            LoadedData d = ModelOptions.data(m, data, CsvReader.Targets.REQUIRED);
            TestMetrics t;
            try (d) {
                PredictCommand.warmOrStop(prewarm, m, d.rows());
                t = TestMetrics.score(m.loss(), m.lossParameter(), d.predict(m, engine), d.targetMatrix(), m.outputs(), ModelOptions.isClassifier(m),
                        m.targetStandardizer());
            }
            out.println("model:  " + model + ": " + m);
            out.println("data:   " + d.describe());
            out.println("result: " + t.summary() + " on " + Words.count(t.samples(), "sample") + " (" + engine.name() + ", " + engine.device() + ")");
            if (t.isMultiLabel()) {
                out.println();
                t.labelLines(ModelOptions.labelNames(m).names()).forEach(out::println);
            }
            if (t.confusion() != null && t.confusion().classes() <= 20) {
                out.println();
                out.print(t.confusion().format(m.labels().names()));
            }
            if (metricsJson != null) {
                outputs.write("metrics:", "--metrics-json", metricsJson, TrainCommand.utf8(() -> MetricsJson.test(t)));
                outputs.printSummary(out);
            }
        }
        return outputs.finish(err());
    }
}
