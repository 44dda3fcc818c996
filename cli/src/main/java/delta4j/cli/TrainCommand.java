package delta4j.cli;

import delta4j.io.AtomicFiles;
import delta4j.cli.io.CsvReader;
import delta4j.cli.io.DataSources;
import delta4j.cli.io.LoadedData;
import delta4j.io.CheckpointFile;
import delta4j.io.ModelFile;
import delta4j.cli.report.LossPlot;
import delta4j.cli.report.MetricsJson;
import delta4j.cli.report.TestMetrics;
import delta4j.cli.report.TrainingProgress;
import delta4j.cli.report.Words;
import delta4j.data.InMemorySamples;
import delta4j.data.MappedDataset;
import delta4j.data.Samples;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.model.EpochReport;
import delta4j.model.Mlp;
import delta4j.model.Normalization;
import delta4j.model.Optimizer;
import delta4j.model.Prewarm;
import delta4j.model.Trainer;
import delta4j.model.TrainingConfig;
import delta4j.model.TrainingDivergedException;
import delta4j.model.TrainingListener;
import delta4j.model.TrainingResult;
import delta4j.model.TrainingState;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.zip.CRC32;

/** {@code delta4j train}: trains an MLP on a CSV or IDX source, reports, and saves the model. */
@Command(usageHelpAutoWidth = true, name = "train", sortOptions = false,
        description = {"Train a network on a data source and save it.", "",
                "SOURCE is a CSV file (the last --targets columns are targets; with --task multilabel they hold 0 or 1 each), a folder of MNIST-style IDX files,"
                        + " fashion-mnist (Debian's dataset-fashion-mnist package), or a binary data file written by"
                        + " 'delta4j convert', which is mapped into memory rather than read (data larger than the heap)."
                        + " With IDX data the t10k files are the test set unless --test is given.", ""},
        footer = {"", "Examples:",
                "  delta4j train --data fashion-mnist --layers 784,256,128,10 \\",
                "      --task classification --loss ce --optimizer adam \\",
                "      --schedule cosine --epochs 10 --out fashion.d4j",
                "  delta4j train --data houses.csv --test houses-test.csv \\",
                "      --layers 8,64,1 --validation 0.1 --patience 5 \\",
                "      --plot loss.png --out houses.d4j",
                "  delta4j train --data tags.csv --task multilabel --targets 4 \\",
                "      --layers 20,64,64,4 --norm batch --dropout 0.2 --out tags.d4j"})
final class TrainCommand extends Common implements Callable<Integer> {

    /** Up to this many labels, a multi-label model's test report lists each label's accuracy and F1. */
    static final int MAX_LABEL_LINES = 20;

    @Option(names = "--data", required = true, paramLabel = "SOURCE",
            description = "Training data: CSV file, IDX folder, fashion-mnist, or a binary data file from 'delta4j convert'.")
    String data;

    @Option(names = "--test", paramLabel = "SOURCE", description = "Test data, scored after training (default for IDX: the t10k files).")
    String test;

    @Option(names = "--layers", required = true, paramLabel = "N,N,...", converter = Layers.Converter.class,
            description = "Layer widths from inputs to outputs, e.g. 784,256,128,10.")
    Layers layers;

    @Option(names = "--task", paramLabel = "TASK", converter = Options.Tasks.class, description = "regression, classification or multilabel"
            + " (K target columns of 0 or 1, any number of them 1 in a row: sigmoid outputs, --loss bce). Default: classification for IDX,"
            + " regression for CSV.")
    CsvReader.Task task;

    @Option(names = "--targets", paramLabel = "K", defaultValue = "1", description = "Target columns at the end of each CSV row (regression,"
            + " multilabel). Default: ${DEFAULT-VALUE}.")
    int targets;

    @Option(names = "--standardize-targets", arity = "1", paramLabel = "true|false",
            description = "Regression: train on standardised targets (fitted on the training part only, stored in the model;"
                    + " predictions and metrics stay in the targets' units). Default: true for regression; not for classification.")
    Boolean standardizeTargets;

    /** Whether this run standardises its targets: --standardize-targets, default true for regression, never for classification. */
    private boolean targetsStandardised;

    @ArgGroup(exclusive = false, validate = false)
    HiddenLayerOptions hidden = new HiddenLayerOptions();

    @Option(names = "--loss", paramLabel = "L", completionCandidates = LossSpec.Converter.class, converter = LossSpec.Converter.class,
            description = "${COMPLETION-CANDIDATES} (ce: softmax cross-entropy; l1: absolute error; huber or huber:δ: Huber's loss, δ 1 by default;"
                    + " bce: binary cross-entropy on sigmoid outputs, for multilabel). Default: ce for classification, bce for multilabel, mse for regression.")
    LossSpec loss;

    @ArgGroup(exclusive = false, validate = false)
    OptimizerOptions optimization = new OptimizerOptions();

    @Option(names = "--batch", paramLabel = "N", defaultValue = "64", description = "Mini-batch size. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "20", description = "Maximum number of epochs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--validation", paramLabel = "F", defaultValue = "0",
            description = "Fraction of the training data held out for validation (0 to 1). Default: ${DEFAULT-VALUE}.")
    double validation;

    @Option(names = "--patience", paramLabel = "N", defaultValue = "0",
            description = "Early stopping: stop after N epochs without a better validation loss and keep the best weights (needs --validation). Default: off.")
    int patience;

    @Mixin
    EngineOptions engineOptions;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Seed of the initial weights, shuffling and the validation split. Default: ${DEFAULT-VALUE}.")
    long seed;

    @ArgGroup(exclusive = false, validate = false)
    OutputOptions outputs = new OutputOptions();

    @Option(names = "--quiet", description = "Print only the final summary.")
    boolean quiet;

    @Option(names = "--clip-norm", paramLabel = "F", converter = Options.ClipNorm.class,
            description = "Gradient-norm clipping: scale each batch's gradient (all layers together) down to norm F > 0 when it is larger. Default: off.")
    Float clipNorm;

    @ArgGroup(exclusive = false, validate = false)
    CheckpointOptions checkpoints = new CheckpointOptions();

    @Override
    public Integer call() throws Exception {
        // Everything that can be checked without reading data is checked first: a typo must not cost a training run.
        CsvReader.Task t = task();
        LossSpec lossSpec = loss(t);
        hidden.check(layers);
        Optimizer opt = optimization.optimizer();
        checkLoop();
        Path checkpointFile = checkFiles();
        engineOptions.config();
        CheckpointFile.Checkpoint resumed = checkpoints.load(epochs);

        var out = out();
        // The engine and its device before the data: an unavailable device must not cost reading a large data set.
        try (Engine engine = engineOptions.create(); Opened opened = new Opened();
             // The JIT compiles the kernels on made-up data while the data loads (docs/BENCHMARKS.md, "Cold start").
             Prewarm prewarm = !EngineOptions.jitCompiled(engine) ? Prewarm.none()
                     : Prewarm.start(engine, network(lossSpec), TrainingConfig.builder().optimizer(opt)
                             .weightDecay(optimization.weightDecay).clipGradientNorm(clipNorm()).batchSize(batch).build(),
                             DataSources.keepsBytes(data))) { // warm the upload the training runs
            LoadedData train = loadTraining(t, opened);
            LoadedData testData = loadTest(t, train, opened);
            Mlp mlp = model(lossSpec, t, train);
            Samples all = train.samples();
            // Only a checkpoint records the settings, and their data fingerprint costs a pass over the data.
            Map<String, String> settings = checkpoints.enabled() || resumed != null ? settings(t, lossSpec, opt, train.standardize(), all) : Map.of();
            TrainingState state = null;
            if (resumed != null) {
                checkSameSettings(resumed.settings(), settings);
                state = resumed.state();
            }
            // The files' sizes are known now: a full disk is found before the training it would waste.
            SpaceCheck.check(spaceNeeds(mlp, opt, train, checkpointFile), SpaceCheck.FILE_SYSTEMS);
            long held = validation > 0 ? Math.max(1, Math.min(all.size() - 1, Math.round(all.size() * validation))) : 0;
            long trainSamples = all.size() - held;
            checkBatchNormalisation(trainSamples);
            if (!quiet) {
                printPlan(out, train, testData, held, mlp, opt, lossSpec, state, engine);
            }
            Outputs written = Outputs.standard();
            try (InterruptNotice notice = new InterruptNotice(err(), spec.commandLine().getParseResult().originalArgs(),
                    checkpoints.enabled() ? checkpointFile : null, checkpoints.resume, state == null ? 0 : state.epochsDone(), epochs).install()) {
                TrainingProgress progress = new TrainingProgress(TrainingProgress.detect(quiet), out, System.out, epochs, trainSamples);
                CheckpointWriter checkpointWriter = new CheckpointWriter(checkpointFile, settings, notice);
                TrainingConfig cfg = config(opt, train.standardize(), progress, notice, checkpointWriter);
                TrainingResult r;
                try {
                    prewarm.await();
                    r = new Trainer(engine, cfg).resume(mlp, all, state);
                } catch (TrainingDivergedException e) {
                    throw blameTargets(e);
                } finally {
                    progress.close();
                }
                notice.trainingDone();
                TestMetrics tm = testData == null ? null : TestMetrics.score(mlp.loss(), mlp.lossParameter(), testData.predict(mlp, engine),
                        testData.targetMatrix(), mlp.outputs(), t == CsvReader.Task.CLASSIFICATION, mlp.targetStandardizer());
                EpochReport kept = report(out, r, tm, mlp, engine);
                String chance = ChanceLevel.warning(kept.trainLoss(), lossSpec.loss(), mlp.lossParameter(), all, t, mlp.targetStandardizer() != null, opt);
                if (chance != null) {
                    warn(chance);
                }
                writeOutputs(written, mlp, checkpointWriter, r, tm, engine);
                written.printSummary(out);
                if (outputs.model == null && !quiet) {
                    out.println("(not saved: add --out MODEL to keep it)");
                }
            }
            return written.finish(err());
        }
    }

    /** The task: --task, or what the data says (IDX: classes; a data file: its own task; CSV: regression); checks --targets. */
    private CsvReader.Task task() throws IOException {
        CsvReader.Task t = task != null ? task : DataSources.isIdx(data) ? CsvReader.Task.CLASSIFICATION
                : DataSources.isDataFile(data) ? DataSources.dataFileTask(data) : CsvReader.Task.REGRESSION;
        boolean classification = t == CsvReader.Task.CLASSIFICATION;
        if (targets < 1) {
            throw new UsageException("--targets " + targets + ": at least 1 target column is needed");
        }
        if (classification && targets != 1) {
            throw new UsageException("--targets " + targets + ": classification reads one label column; drop --targets or use --task regression"
                    + " (or --task multilabel for several 0/1 label columns)");
        }
        if (t != CsvReader.Task.REGRESSION && standardizeTargets != null) {
            throw new UsageException("--standardize-targets applies to regression only (" + (classification ? "classification targets are classes"
                    : "multi-label targets are 0/1 labels") + "): drop it or use --task regression");
        }
        return t;
    }

    /** The loss: --loss, or the task's (ce, bce, mse); refuses one the task cannot train, and settles target standardisation. */
    private LossSpec loss(CsvReader.Task t) {
        boolean classification = t == CsvReader.Task.CLASSIFICATION, multiLabel = t == CsvReader.Task.MULTILABEL;
        LossSpec l = loss != null ? loss : LossSpec.of(switch (t) {
            case CLASSIFICATION -> Loss.SOFTMAX_CROSS_ENTROPY;
            case MULTILABEL -> Loss.BINARY_CROSS_ENTROPY;
            case REGRESSION -> Loss.MSE;
        });
        if (l.loss() == Loss.SOFTMAX_CROSS_ENTROPY && !classification) {
            throw new UsageException("--loss ce needs class targets: use --task classification, or " + (multiLabel ? "--loss bce for multilabel"
                    : "--loss mse for regression"));
        }
        if (l.loss() == Loss.BINARY_CROSS_ENTROPY && !multiLabel) {
            throw new UsageException("--loss bce is for multi-label targets (K columns of 0 or 1): add --task multilabel --targets K"
                    + (classification ? ", or use --loss ce for one class per sample" : ", or use mse, l1 or huber for regression"));
        }
        if (multiLabel && l.loss() != Loss.BINARY_CROSS_ENTROPY) {
            throw new UsageException("--loss " + l.spec() + " with --task multilabel: multi-label models train sigmoid outputs with --loss bce"
                    + " (the default): drop --loss");
        }
        if (t == CsvReader.Task.REGRESSION && l.loss() != Loss.MSE && Boolean.TRUE.equals(standardizeTargets)) {
            throw new UsageException("--standardize-targets true applies to --loss mse: " + l.loss().id() + " trains on the targets' own units"
                    + " (scale huber's δ to them); drop it");
        }
        targetsStandardised = t == CsvReader.Task.REGRESSION && l.loss() == Loss.MSE && (standardizeTargets == null || standardizeTargets);
        return l;
    }

    /** Checks the training loop's options: batch size, epochs, validation split and patience. */
    private void checkLoop() {
        if (batch < 1) {
            throw new UsageException("--batch " + batch + ": the mini-batch needs at least 1 sample");
        }
        if (hidden.norm == Normalization.BATCH && batch < 2) {
            throw new UsageException("--norm batch with --batch " + batch + ": batch normalisation normalises each unit over the mini-batch,"
                    + " which needs at least 2 samples; raise --batch (e.g. 32) or use --norm layer");
        }
        if (epochs < 1) {
            throw new UsageException("--epochs " + epochs + ": train for at least 1 epoch");
        }
        if (!(validation >= 0 && validation < 1)) {
            throw new UsageException("--validation " + validation + ": give a fraction from 0 (none) to below 1, e.g. 0.1");
        }
        if (patience < 0) {
            throw new UsageException("--patience " + patience + ": give 0 (off) or a positive number of epochs");
        }
        if (patience > 0 && validation == 0) {
            throw new UsageException("--patience needs a validation set: add --validation F, e.g. --validation 0.1");
        }
    }

    /**
     * Checks every file the run reads or writes before any of them is touched: sources exist, outputs can be written
     * and none collides with another; returns where checkpoints go ({@link CheckpointOptions#target}).
     */
    private Path checkFiles() {
        Options.checkSource(data, "--data");
        if (test != null) {
            Options.checkSource(test, "--test");
        }
        outputs.check();
        Path checkpointFile = checkpoints.target(outputs.model);
        // Every output against every input and every other output: a typo must not destroy a file.
        new PathCollisions().inputs("--data", DataSources.files(data)).inputs("--test", test == null ? List.of() : DataSources.files(test))
                .input("--resume", checkpoints.resume).output("--out", outputs.model).output("--plot", outputs.plot)
                .output("--metrics-json", outputs.metricsJson).output("--checkpoint", checkpoints.enabled() ? checkpointFile : null)
                .allow("--resume", "--checkpoint") // read whole before training, then written again as training goes on
                .check();
        return checkpointFile;
    }

    /** --clip-norm, or 0 (off) when it is not given. */
    private float clipNorm() {
        return clipNorm == null ? 0 : clipNorm;
    }

    /** Reads --data (kept open in {@code opened}) and checks it against --layers and --validation. */
    private LoadedData loadTraining(CsvReader.Task t, Opened opened) throws IOException {
        DataSources.Request req = new DataSources.Request(t, targets, null, 0, CsvReader.Targets.REQUIRED, task != null);
        LoadedData train = opened.keep(DataSources.load(data, DataSources.Part.TRAIN, req));
        train.notes().forEach(this::warn);
        if (layers.inputs() != train.features()) {
            throw new UsageException("--layers " + layers + " starts with " + layers.inputs() + " inputs, but " + train.source() + " has "
                    + Words.count(train.features(), "feature") + ": start it with " + train.features());
        }
        if (layers.outputs() != train.targets()) {
            throw new UsageException("--layers " + layers + " ends with " + Words.count(layers.outputs(), "output") + ", but " + train.source()
                    + " has " + switch (t) {
                        case CLASSIFICATION -> Words.count(train.targets(), "class", "classes");
                        case MULTILABEL -> Words.count(train.targets(), "label");
                        case REGRESSION -> Words.count(train.targets(), "target column");
                    } + ": end it with " + train.targets());
        }
        if (t == CsvReader.Task.CLASSIFICATION && train.targets() == 1) {
            warn(train.source() + " holds a single class ('" + train.labels().name(0) + "'): the model can only ever predict it,"
                    + " and its loss is 0 from the start; check the label column");
        }
        if (validation > 0 && train.rows() < 2) {
            throw new UsageException("--validation " + validation + ": " + train.source() + " has " + Words.count(train.rows(), "sample")
                    + "; holding some out for validation needs at least 2");
        }
        return train;
    }

    /** The test set: --test, or an IDX folder's t10k files; null when there is none. */
    private LoadedData loadTest(CsvReader.Task t, LoadedData train, Opened opened) throws IOException {
        DataSources.Request testReq = new DataSources.Request(t, t == CsvReader.Task.MULTILABEL ? train.targets() : targets, train.labels(),
                train.features(), CsvReader.Targets.REQUIRED, task != null);
        LoadedData testData = opened.keep(test != null ? DataSources.load(test, DataSources.Part.TEST, testReq)
                : DataSources.isIdx(data) && DataSources.hasPart(data, DataSources.Part.TEST) ? DataSources.load(data, DataSources.Part.TEST, testReq)
                : null);
        if (testData != null) {
            testData.notes().forEach(this::warn);
        }
        return testData;
    }

    /** The network the options describe, named by the training data's labels when it classifies. */
    private Mlp model(LossSpec l, CsvReader.Task t, LoadedData train) {
        Mlp mlp = network(l);
        if (t != CsvReader.Task.REGRESSION) {
            // A multi-label model's labels name its outputs (the CSV header's target columns): predict prints them.
            mlp.setLabels(train.labels());
        }
        return mlp;
    }

    /** The network the options describe: hidden layers as --activation, --norm and --dropout say, the output the loss's. */
    private Mlp network(LossSpec l) {
        int[] widths = layers.widths();
        Mlp.Builder b = Mlp.builder(widths[0]).loss(l.loss(), l.parameter()).seed(seed);
        for (int i = 1; i < widths.length - 1; i++) {
            b.dense(widths[i], hidden.activation).normalization(hidden.norm);
            if (hidden.dropout > 0) {
                b.dropout(hidden.dropout);
            }
        }
        b.dense(widths[widths.length - 1], switch (l.loss()) {
            case SOFTMAX_CROSS_ENTROPY -> Activation.SOFTMAX;
            case BINARY_CROSS_ENTROPY -> Activation.SIGMOID;
            case MSE, L1, HUBER -> Activation.IDENTITY;
        });
        return b.build();
    }

    /** Batch normalisation needs every mini-batch of the training part, the last one included, to hold 2 samples or more. */
    private void checkBatchNormalisation(long trainSamples) {
        if (hidden.norm == Normalization.BATCH && trainSamples < 2) {
            throw new UsageException("--norm batch: " + Words.count(trainSamples, "training sample") + " cannot be normalised over a"
                    + " mini-batch, which needs at least 2; use --norm layer or more data");
        }
        if (hidden.norm == Normalization.BATCH && lastBatchOfOne(trainSamples, batch)) {
            long other = batch + 1;
            while (lastBatchOfOne(trainSamples, other)) {
                other++;
            }
            throw new UsageException("--norm batch with --batch " + batch + ": the " + Words.count(trainSamples, "training sample")
                    + " leave a last mini-batch of 1 sample, which batch normalisation cannot normalise; choose another batch size,"
                    + " e.g. --batch " + other);
        }
    }

    /** The lines before training: data, test set, model, training settings, resumption and engine. */
    private void printPlan(PrintWriter out, LoadedData train, LoadedData testData, long held, Mlp mlp, Optimizer opt, LossSpec l,
                           TrainingState state, Engine engine) {
        long all = train.samples().size();
        out.println("data:      " + train.describe() + (held > 0 ? " (" + held + " of " + all + " held out for validation, "
                + (all - held) + " for training)" : ""));
        if (testData != null) {
            out.println("test:      " + testData.describe());
        }
        out.println("model:     " + mlp);
        out.println("training:  " + describe(opt, optimization.schedule.spec(), l.loss(), mlp.lossParameter()) + ", batch " + batch + ", up to "
                + Words.count(epochs, "epoch") + (patience > 0 ? ", patience " + patience : "") + (train.standardize() ? ", inputs standardised" : "")
                + (targetsStandardised ? ", targets standardised" : "")
                + (clipNorm() > 0 ? ", gradients clipped at norm " + Words.decimal(clipNorm()) : ""));
        if (state != null) {
            out.println("resumed:   " + checkpoints.resume + " after epoch " + state.epochsDone());
        }
        out.println("engine:    " + EngineOptions.describe(engine));
        out.flush();
    }

    /** A divergence before any update blames the targets' scale, not the learning rate, and says what to do about it. */
    private TrainingDivergedException blameTargets(TrainingDivergedException e) {
        if (Double.isNaN(e.targetScale())) {
            return e;
        }
        return new TrainingDivergedException(e.epoch(), String.format(Locale.ROOT, "training diverged in epoch %d: the loss was"
                + " already %.3g before any update, so the learning rate is not the cause: targets reach %.3g; %s", e.epoch(),
                e.lossBeforeUpdates(), e.targetScale(), targetsStandardised ? "look for outliers among them"
                        : "standardise them (--standardize-targets true) or scale them"), e.lossBeforeUpdates(), e.targetScale());
    }

    /** The trainer's configuration: the options, the progress display, the interrupt notice and the checkpoints. */
    private TrainingConfig config(Optimizer opt, boolean standardizeInputs, TrainingProgress progress, InterruptNotice notice,
                                  CheckpointWriter checkpointWriter) {
        TrainingConfig.Builder cfg = TrainingConfig.builder().optimizer(opt).weightDecay(optimization.weightDecay)
                .schedule(optimization.schedule.schedule()).batchSize(batch).maxEpochs(epochs).validationFraction(validation)
                .patience(patience).seed(seed).standardize(standardizeInputs)
                .listener(progress).listener(new TrainingListener() {
                    @Override
                    public void onEpoch(EpochReport r) {
                        notice.epochDone(r.epoch());
                    }
                }).clipGradientNorm(clipNorm()).standardizeTargets(targetsStandardised);
        if (checkpoints.enabled()) {
            cfg.checkpointEvery(checkpoints.every, checkpointWriter);
        }
        return cfg.build();
    }

    /** Writes the outputs asked for, each on its own: one that fails does not stop the others, and a trained model is never lost. */
    private void writeOutputs(Outputs written, Mlp mlp, CheckpointWriter checkpointWriter, TrainingResult r, TestMetrics tm, Engine engine) {
        if (outputs.model != null) {
            written.writeModel(outputs.model, ModelFile.toBytes(mlp));
        }
        if (checkpoints.enabled()) {
            written.add(checkpointWriter.result());
        }
        if (outputs.plot != null) {
            written.write("plot:", "--plot", outputs.plot, LossPlot.png(r.history(), "delta4j: " + mlp));
        }
        if (outputs.metricsJson != null) {
            written.write("metrics:", "--metrics-json", outputs.metricsJson,
                    utf8(() -> MetricsJson.training(engine.name(), engine.device(), r.history(), tm, r.samplesPerSecond())));
        }
    }

    /** The lines after training: epochs, speed, the kept epoch's losses, the test metrics; returns the kept epoch's report. */
    private EpochReport report(PrintWriter out, TrainingResult r, TestMetrics tm, Mlp mlp, Engine engine) {
        EpochReport kept = r.history().get(r.bestEpoch() - 1);
        out.printf(Locale.ROOT, "done:      %s (%s) in %.1f s, %.0f samples/s on %s%n", Words.count(r.epochs(), "epoch"),
                r.stopReason().name().toLowerCase(Locale.ROOT).replace('_', ' '), r.seconds(), r.samplesPerSecond(), EngineOptions.describe(engine));
        out.printf(Locale.ROOT, "loss:      train %.6g%s%s%s%n", kept.trainLoss(),
                kept.hasValidation() ? String.format(Locale.ROOT, ", validation %.6g", kept.validationLoss()) : "",
                mlp.targetStandardizer() != null ? " on standardised targets" : "",
                r.bestEpoch() != r.epochs() ? " (best epoch " + r.bestEpoch() + ", weights restored)" : "");
        if (tm != null) {
            out.println("test:      " + tm.summary() + " on " + Words.count(tm.samples(), "sample"));
            if (tm.isMultiLabel() && mlp.outputs() <= MAX_LABEL_LINES) {
                tm.labelLines(mlp.labels().names()).forEach(out::println);
            }
        }
        return kept;
    }

    /** Whether an epoch of n samples in mini-batches of b ends with a batch of a single sample. */
    static boolean lastBatchOfOne(long n, long b) {
        return n % Math.min(b, n) == 1;
    }

    /** The data sources a run opened: mapped data files are unmapped when the command ends. */
    private static final class Opened implements AutoCloseable {
        private final List<LoadedData> data = new ArrayList<>();

        LoadedData keep(LoadedData d) {
            if (d != null) {
                data.add(d);
            }
            return d;
        }

        @Override
        public void close() {
            data.forEach(LoadedData::close);
        }
    }

    /** Text written as UTF-8; made when the file is written, so a failure to make it is that output's failure alone. */
    static AtomicFiles.Writer utf8(java.util.function.Supplier<String> text) {
        return os -> os.write(text.get().getBytes(StandardCharsets.UTF_8));
    }

    /** What each output will take on disk (the model exactly, the others as upper estimates), for {@link SpaceCheck}. */
    private List<SpaceCheck.Need> spaceNeeds(Mlp mlp, Optimizer opt, LoadedData train, Path checkpointFile) {
        long model = modelBytesBound(mlp, train.features(), train.targets());
        long params = mlp.parameterCount();
        long checkpointBytes = model + 4 * params * (opt.stateTensors() + (patience > 0 ? 1 : 0)) + 8L * 4 * mlp.depth()
                + 48L * epochs + 4096;
        List<SpaceCheck.Need> needs = new ArrayList<>();
        needs.add(new SpaceCheck.Need("--out", outputs.model, model));
        needs.add(new SpaceCheck.Need("--checkpoint", checkpoints.enabled() ? checkpointFile : null, checkpointBytes));
        needs.add(new SpaceCheck.Need("--plot", outputs.plot, LossPlot.MAX_BYTES));
        needs.add(new SpaceCheck.Need("--metrics-json", outputs.metricsJson, 1024 + 160L * epochs));
        return needs;
    }

    /**
     * An upper bound on the model file's size, known before training: the parameters, a header of a few numbers
     * per layer, the class labels, and the standardiser fitted when training starts (a mean and a deviation per
     * column), without serialising the model.
     */
    static long modelBytesBound(Mlp mlp, int features, int targets) {
        long labels = 0;
        if (mlp.labels() != null) {
            for (String name : mlp.labels().names()) {
                labels += 4 + 4L * name.length(); // UTF-8 takes at most 4 bytes per char
            }
        }
        return 4 * mlp.parameterCount() + 64L * (mlp.depth() + 1) + labels + 8L * (features + targets) + 1024;
    }

    /** One line on standard error that does not stop the command. */
    private void warn(String message) {
        err().println("delta4j: warning: " + Main.oneLine(message));
        err().flush();
    }

    /**
     * The checkpoint sink: writes each checkpoint atomically and, when one cannot be written (a full disk), says
     * so in one line and lets training go on, so the run can still finish and save its model.
     */
    private final class CheckpointWriter implements TrainingState.Sink {
        private final Path file;
        private final Map<String, String> settings;
        private final InterruptNotice notice;
        private int written = -1;
        private int failedEpoch = -1;
        private String failure;

        CheckpointWriter(Path file, Map<String, String> settings, InterruptNotice notice) {
            this.file = file;
            this.settings = settings;
            this.notice = notice;
        }

        @Override
        public void save(TrainingState s) {
            notice.checkpointStarting();
            try {
                CheckpointFile.save(s, settings, file);
                written = s.epochsDone();
                failedEpoch = -1;
                notice.checkpointWritten(written);
            } catch (java.io.IOException | RuntimeException e) {
                notice.checkpointFailed();
                failedEpoch = s.epochsDone();
                failure = Outputs.reason(e, file);
                warn("the checkpoint after epoch " + failedEpoch + " was not written: " + file + ": " + failure + "; training goes on"
                        + (written >= 0 ? " (" + file + " still holds epoch " + written + ")" : ""));
            }
        }

        /** What became of the checkpoints, for the summary: the last one written, or why the last one was not. */
        Outputs.Result result() {
            if (failedEpoch < 0 && written >= 0) {
                return new Outputs.Result("checkpoint:", "--checkpoint", file, true, "(after epoch " + written + ")");
            }
            if (failedEpoch < 0) {
                return new Outputs.Result("checkpoint:", "--checkpoint", file, true, "(unchanged: no epoch was left to train)");
            }
            return new Outputs.Result("checkpoint:", "--checkpoint", file, false, "the checkpoint after epoch " + failedEpoch + " failed: " + failure
                    + (written >= 0 ? " (the file holds epoch " + written + ")" : " (no checkpoint was written)"));
        }
    }

    /**
     * What a checkpoint records of this run: every option that changes the weights, and a fingerprint of
     * the data. A resumed run must match all of them but {@code epochs} to end where an uninterrupted run would.
     */
    private Map<String, String> settings(CsvReader.Task t, LossSpec l, Optimizer opt, boolean standardize, Samples d) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("layers", layers.joined());
        m.put("task", t.name().toLowerCase(Locale.ROOT));
        m.put("targets", String.valueOf(d instanceof MappedDataset ? d.targets() : targets)); // a data file says, --targets does not
        m.put("activation", hidden.activation.id());
        m.put("norm", hidden.norm.id());
        m.put("dropout", String.valueOf(hidden.dropout));
        m.put("loss", l.recorded());
        m.put("optimizer", opt.kind().id());
        m.put("lr", String.valueOf(opt.learningRate()));
        m.put("weight-decay", String.valueOf(optimization.weightDecay));
        m.put("schedule", optimization.schedule.spec());
        m.put("batch", String.valueOf(batch));
        m.put("validation", String.valueOf(validation));
        m.put("patience", String.valueOf(patience));
        m.put("seed", String.valueOf(seed));
        m.put("clip-norm", String.valueOf(clipNorm()));
        m.put("standardize", String.valueOf(standardize));
        m.put("standardize-targets", String.valueOf(targetsStandardised));
        m.put("epochs", String.valueOf(epochs));
        // A data file's own checksums fingerprint it (reading it whole again would cost a pass over the file).
        m.put("data", d.size() + " samples, " + d.features() + " features, " + d.targets() + " targets, crc " + switch (d) {
            case InMemorySamples inMemory -> Long.toHexString(crc(inMemory));
            case MappedDataset file -> file.fingerprint();
            default -> throw new IllegalStateException("no fingerprint for " + d.getClass().getName());
        });
        return m;
    }

    /**
     * CRC-32 of the arrays' floats as little-endian bytes, one array after another. Copied to bytes in bulk a block at
     * a time: a float-by-float loop runs in the interpreter at this point of a cold JVM and cost more than half a second
     * for Fashion-MNIST. The value must not change: checkpoints written before record it.
     */
    static long crc(float[]... arrays) {
        CRC32 crc = new CRC32();
        byte[] bytes = new byte[CRC_BLOCK * Float.BYTES];
        for (float[] a : arrays) {
            update(crc, bytes, a, a.length);
        }
        return crc.getValue();
    }

    /**
     * The same CRC of a data set's features and then its targets as floats, {@link #crc(float[]...)} of
     * {@code featureMatrix(), targetMatrix()}, gathered a block of rows at a time: for samples kept as bytes it is the
     * CRC of the floats they are read as, so a checkpoint written when they were floats resumes.
     */
    static long crc(InMemorySamples d) {
        CRC32 crc = new CRC32();
        byte[] bytes = new byte[CRC_BLOCK * Float.BYTES];
        for (boolean features : new boolean[] {true, false}) {
            int cols = features ? d.features() : d.targets(), chunk = Math.max(1, CRC_BLOCK / cols);
            float[] rows = new float[chunk * cols];
            for (int from = 0; from < d.size(); from += chunk) {
                int n = Math.min(chunk, d.size() - from);
                if (features) {
                    d.gatherFeatures(null, from, n, rows);
                } else {
                    d.gatherTargets(null, from, n, rows);
                }
                update(crc, bytes, rows, n * cols);
            }
        }
        return crc.getValue();
    }

    private static final int CRC_BLOCK = 1 << 14;

    /** Adds {@code a[0..length)} to the CRC as little-endian bytes, a block at a time through {@code bytes}. */
    private static void update(CRC32 crc, byte[] bytes, float[] a, int length) {
        int block = bytes.length / Float.BYTES;
        MemorySegment dst = MemorySegment.ofArray(bytes);
        MemorySegment src = MemorySegment.ofArray(a);
        for (int i = 0; i < length; i += block) {
            int n = Math.min(block, length - i);
            MemorySegment.copy(src, ValueLayout.JAVA_FLOAT, (long) i * Float.BYTES, dst, LITTLE_ENDIAN_FLOAT, 0, n);
            crc.update(bytes, 0, n * Float.BYTES);
        }
    }

    private static final ValueLayout.OfFloat LITTLE_ENDIAN_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Refuses a checkpoint written with other settings or data, naming every difference. */
    private void checkSameSettings(Map<String, String> saved, Map<String, String> now) {
        List<String> diffs = new ArrayList<>();
        for (var e : now.entrySet()) {
            String was = saved.get(e.getKey());
            if (was == null) {
                // Checkpoints from before an option was recorded trained as its default then: raw targets, plain layers.
                was = switch (e.getKey()) {
                    case "standardize-targets" -> "false";
                    case "norm" -> Normalization.NONE.id();
                    case "dropout" -> String.valueOf(0f);
                    default -> null;
                };
            }
            if (!e.getKey().equals("epochs") && !Objects.equals(was, e.getValue())) {
                diffs.add(e.getKey() + " " + (was == null ? "(not recorded)" : was) + " in the checkpoint, " + e.getValue() + " now");
            }
        }
        if (!diffs.isEmpty()) {
            throw new UsageException("--resume " + checkpoints.resume + ": the checkpoint was written with other settings or data: "
                    + String.join("; ", diffs) + ". Resume with the options and data it was made with (only --epochs may differ)");
        }
    }

    static String describe(Optimizer o, String schedule, Loss loss, float lossParameter) {
        return o.kind().id() + " (lr " + Words.decimal(o.learningRate()) + ", " + schedule + " schedule), " + switch (loss) {
            case MSE -> "mse";
            case SOFTMAX_CROSS_ENTROPY -> "cross-entropy";
            case L1 -> "l1";
            case HUBER -> "huber (δ " + Words.decimal(lossParameter) + ")";
            case BINARY_CROSS_ENTROPY -> "binary cross-entropy";
        } + " loss";
    }
}
