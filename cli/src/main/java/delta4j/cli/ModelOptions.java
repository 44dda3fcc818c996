package delta4j.cli;

import delta4j.cli.io.CsvReader;
import delta4j.cli.io.DataSources;
import delta4j.cli.io.LoadedData;
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

    /** Reads a SOURCE with the model's feature count, task and labels. */
    static LoadedData data(Mlp m, String source, CsvReader.Targets targets) throws IOException {
        boolean classification = m.labels() != null;
        DataSources.Request r = new DataSources.Request(classification ? CsvReader.Task.CLASSIFICATION : CsvReader.Task.REGRESSION,
                classification ? 1 : m.outputs(), m.labels(), m.inputs(), targets, false);
        if (DataSources.isIdx(source) && !classification) {
            throw new UsageException("the model is a regression model (it has no class labels), but " + source + " is IDX classification data");
        }
        return DataSources.load(source, DataSources.Part.TEST, r);
    }
}
