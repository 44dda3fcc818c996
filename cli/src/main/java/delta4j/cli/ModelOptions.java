package delta4j.cli;

import delta4j.cli.io.CsvReader;
import delta4j.cli.io.DataSources;
import delta4j.cli.io.LoadedData;
import delta4j.engine.Loss;
import delta4j.io.ModelFile;
import delta4j.model.Mlp;

import java.io.IOException;
import java.nio.file.Path;

/** Loading a model and data that must fit it (eval, predict). */
final class ModelOptions {

    private ModelOptions() {
    }

    static Mlp load(Path model) throws IOException {
        return ModelFile.load(model);
    }

    /**
     * What eval and predict do before they read data: check the output file and the data source, refuse a path
     * used twice, read the engine options, and load the model; each check names its option.
     *
     * @param model the --model file
     * @param data the --data source
     * @param output the command's output file, or null for none
     * @param outputOption the option that names it
     * @param engine the command's engine options
     * @return the loaded model
     */
    static Mlp checkAndLoad(Path model, String data, Path output, String outputOption, EngineOptions engine) throws IOException {
        Options.checkOutput(output, outputOption);
        Options.checkSource(data, "--data");
        new PathCollisions().input("--model", model).inputs("--data", DataSources.files(data)).output(outputOption, output).check();
        engine.config();
        return load(model);
    }

    /**
     * Whether a model is multi-label: trained with binary cross-entropy, the one loss for independent 0/1 labels (its
     * output layer is sigmoid, one probability per label). Its labels, when it has them, name the target columns.
     */
    static boolean isMultiLabel(Mlp m) {
        return m.loss() == Loss.BINARY_CROSS_ENTROPY;
    }

    /** Whether a model is a classifier: one class per sample, named by its labels. */
    static boolean isClassifier(Mlp m) {
        return m.labels() != null && !isMultiLabel(m);
    }

    /** The task a model was trained for. */
    static CsvReader.Task task(Mlp m) {
        return isMultiLabel(m) ? CsvReader.Task.MULTILABEL : isClassifier(m) ? CsvReader.Task.CLASSIFICATION : CsvReader.Task.REGRESSION;
    }

    /** The names of a multi-label model's labels: the ones it stores, else label_1 ... label_K. */
    static delta4j.data.Labels labelNames(Mlp m) {
        return m.labels() != null ? m.labels() : LoadedData.labelNames(m.outputs());
    }

    /** Reads a SOURCE with the model's feature count, task and labels. */
    static LoadedData data(Mlp m, String source, CsvReader.Targets targets) throws IOException {
        CsvReader.Task task = task(m);
        boolean classification = task == CsvReader.Task.CLASSIFICATION;
        DataSources.Request r = new DataSources.Request(task, classification ? 1 : m.outputs(),
                task == CsvReader.Task.MULTILABEL ? labelNames(m) : m.labels(), m.inputs(), targets, false);
        if (DataSources.isIdx(source) && !classification) {
            throw new UsageException("the model is a " + (task == CsvReader.Task.MULTILABEL ? "multi-label" : "regression (it has no class labels)")
                    + " model, but " + source + " is IDX classification data");
        }
        return DataSources.load(source, DataSources.Part.TEST, r);
    }
}
