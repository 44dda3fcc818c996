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
import delta4j.data.Dataset;
import delta4j.data.MappedDataset;
import delta4j.data.Samples;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.model.EpochReport;
import delta4j.model.LearningRateSchedule;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.ByteBuffer;
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

    @Option(names = "--layers", required = true, paramLabel = "N,N,...",
            description = "Layer widths from inputs to outputs, e.g. 784,256,128,10.")
    String layers;

    @Option(names = "--task", paramLabel = "TASK", description = "regression, classification or multilabel (K target columns of 0 or 1,"
            + " any number of them 1 in a row: sigmoid outputs, --loss bce). Default: classification for IDX, regression for CSV.")
    String task;

    @Option(names = "--targets", paramLabel = "K", defaultValue = "1", description = "Target columns at the end of each CSV row (regression,"
            + " multilabel). Default: ${DEFAULT-VALUE}.")
    int targets;

    @Option(names = "--standardize-targets", arity = "1", paramLabel = "true|false",
            description = "Regression: train on standardised targets (fitted on the training part only, stored in the model;"
                    + " predictions and metrics stay in the targets' units). Default: true for regression; not for classification.")
    Boolean standardizeTargets;

    /** Whether this run standardises its targets: --standardize-targets, default true for regression, never for classification. */
    private boolean targetsStandardised;

    @Option(names = "--activation", paramLabel = "F", defaultValue = "relu", completionCandidates = Options.HiddenActivations.class,
            description = "Hidden-layer activation: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    String activation;

    @Option(names = "--norm", paramLabel = "N", defaultValue = "none", completionCandidates = Options.Normalizations.class,
            description = "Normalisation of every hidden layer, before its activation: ${COMPLETION-CANDIDATES} (layer: over each sample's units;"
                    + " batch: each unit over the mini-batch, running statistics at prediction). Default: ${DEFAULT-VALUE}.")
    String norm;

    @Option(names = "--dropout", paramLabel = "P", defaultValue = "0",
            description = "Drop each hidden unit with probability P during training (inverted dropout after every hidden layer; none at"
                    + " prediction), from 0 to below 1. Default: off.")
    float dropout;

    @Option(names = "--loss", paramLabel = "L", completionCandidates = Options.Losses.class,
            description = "${COMPLETION-CANDIDATES} (ce: softmax cross-entropy; l1: absolute error; huber or huber:δ: Huber's loss, δ 1 by default;"
                    + " bce: binary cross-entropy on sigmoid outputs, for multilabel). Default: ce for classification, bce for multilabel, mse for regression.")
    String loss;

    @Option(names = "--optimizer", paramLabel = "O", defaultValue = "adam", completionCandidates = Options.Optimizers.class,
            description = "${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    String optimizer;

    @Option(names = "--lr", paramLabel = "F", description = "Learning rate. Default: 0.001 for adam/adamw, 0.01 otherwise.")
    Float lr;

    @Option(names = "--weight-decay", paramLabel = "F", defaultValue = "0", description = "L2 weight decay λ (decoupled for adamw). Default: ${DEFAULT-VALUE}.")
    float weightDecay;

    @Option(names = "--schedule", paramLabel = "S", defaultValue = "constant", completionCandidates = Options.Schedules.class,
            description = "Learning-rate schedule: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    String schedule;

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

    @Option(names = "--out", paramLabel = "MODEL", description = "Save the trained model here (written atomically).")
    Path out;

    @Option(names = "--plot", paramLabel = "PNG", description = "Write a PNG chart of training and validation loss per epoch.")
    Path plot;

    @Option(names = "--metrics-json", paramLabel = "FILE", description = "Write epochs, test metrics and throughput as JSON.")
    Path metricsJson;

    @Option(names = "--quiet", description = "Print only the final summary.")
    boolean quiet;

    @Option(names = "--clip-norm", paramLabel = "F", defaultValue = "0",
            description = "Gradient-norm clipping: scale each batch's gradient (all layers together) down to norm F > 0 when it is larger. Default: off.")
    float clipNorm;

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "0",
            description = "Write a checkpoint every N epochs and at the end (atomically), to resume from with --resume. Default: off.")
    int checkpointEvery;

    @Option(names = "--checkpoint", paramLabel = "FILE", description = "Where --checkpoint-every writes. Default: MODEL.ckpt beside --out MODEL.")
    Path checkpoint;

    @Option(names = "--resume", paramLabel = "FILE",
            description = "Continue from a checkpoint, with the options and data it was written with (only --epochs may grow).")
    Path resume;

    @Override
    public Integer call() throws Exception {
        // Everything that can be checked without reading data is checked first: a typo must not cost a training run.
        CsvReader.Task t = task == null ? (DataSources.isIdx(data) ? CsvReader.Task.CLASSIFICATION
                : DataSources.isDataFile(data) ? DataSources.dataFileTask(data) : CsvReader.Task.REGRESSION) : parseTask(task);
        boolean classification = t == CsvReader.Task.CLASSIFICATION, multiLabel = t == CsvReader.Task.MULTILABEL;
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
        int[] widths = Options.layers(layers);
        Loss lossFn = loss == null ? (classification ? Loss.SOFTMAX_CROSS_ENTROPY : multiLabel ? Loss.BINARY_CROSS_ENTROPY : Loss.MSE)
                : Options.loss(loss);
        float lossParameter = loss == null ? lossFn.parameter() : Options.lossParameter(loss);
        if (lossFn == Loss.SOFTMAX_CROSS_ENTROPY && !classification) {
            throw new UsageException("--loss ce needs class targets: use --task classification, or " + (multiLabel ? "--loss bce for multilabel"
                    : "--loss mse for regression"));
        }
        if (lossFn == Loss.BINARY_CROSS_ENTROPY && !multiLabel) {
            throw new UsageException("--loss bce is for multi-label targets (K columns of 0 or 1): add --task multilabel --targets K"
                    + (classification ? ", or use --loss ce for one class per sample" : ", or use mse, l1 or huber for regression"));
        }
        if (multiLabel && lossFn != Loss.BINARY_CROSS_ENTROPY) {
            throw new UsageException("--loss " + loss + " with --task multilabel: multi-label models train sigmoid outputs with --loss bce"
                    + " (the default): drop --loss");
        }
        if (t == CsvReader.Task.REGRESSION && lossFn != Loss.MSE && Boolean.TRUE.equals(standardizeTargets)) {
            throw new UsageException("--standardize-targets true applies to --loss mse: " + lossFn.id() + " trains on the targets' own units"
                    + " (scale huber's δ to them); drop it");
        }
        targetsStandardised = t == CsvReader.Task.REGRESSION && lossFn == Loss.MSE && (standardizeTargets == null || standardizeTargets);
        Normalization normFn = Options.normalization(norm);
        float dropP = Options.dropout(dropout);
        if (widths.length < 3 && normFn != Normalization.NONE) {
            throw new UsageException("--norm " + normFn.id() + ": --layers " + layers + " has no hidden layer to normalise (the output layer is"
                    + " never normalised); add one, e.g. --layers " + widths[0] + ",64," + widths[widths.length - 1]);
        }
        if (widths.length < 3 && dropP > 0) {
            throw new UsageException("--dropout " + Words.decimal(dropP) + ": --layers " + layers + " has no hidden layer to drop units of;"
                    + " add one, e.g. --layers " + widths[0] + ",64," + widths[widths.length - 1]);
        }
        Activation hidden = Options.hiddenActivation(activation);
        Optimizer opt = Options.optimizer(optimizer, lr);
        LearningRateSchedule sched = Options.schedule(schedule);
        if (batch < 1) {
            throw new UsageException("--batch " + batch + ": the mini-batch needs at least 1 sample");
        }
        if (normFn == Normalization.BATCH && batch < 2) {
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
        if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) {
            throw new UsageException("--weight-decay " + weightDecay + ": give a finite value ≥ 0");
        }
        Options.checkSource(data, "--data");
        if (test != null) {
            Options.checkSource(test, "--test");
        }
        Options.checkOutput(out, "--out");
        Options.checkOutput(plot, "--plot");
        Options.checkOutput(metricsJson, "--metrics-json");
        if (!(clipNorm >= 0) || !Float.isFinite(clipNorm)) {
            throw new UsageException("--clip-norm " + clipNorm + ": give a positive gradient norm, e.g. 1 (leave the option out for no clipping)");
        }
        if (clipNorm == 0 && spec.commandLine().getParseResult().hasMatchedOption("--clip-norm")) {
            // Clipping to norm 0 would zero every step; 0 only stands for "off" as the default.
            throw new UsageException("--clip-norm 0 would clip every gradient to nothing: give a positive norm, e.g. 1, or leave the option out for no clipping");
        }
        if (checkpointEvery < 0) {
            throw new UsageException("--checkpoint-every " + checkpointEvery + ": give a positive number of epochs");
        }
        if (checkpoint != null && checkpointEvery == 0) {
            throw new UsageException("--checkpoint " + checkpoint + " needs --checkpoint-every N to say how often to write it");
        }
        Path checkpointFile = checkpoint != null ? checkpoint : out != null ? out.resolveSibling(out.getFileName() + ".ckpt") : resume;
        if (checkpointEvery > 0 && checkpointFile == null) {
            throw new UsageException("--checkpoint-every needs a place for the checkpoints: add --checkpoint FILE (or --out MODEL, for MODEL.ckpt)");
        }
        if (checkpointEvery > 0) {
            Options.checkOutput(checkpointFile, "--checkpoint");
        }
        // Every output against every input and every other output: a typo must not destroy a file.
        new PathCollisions().inputs("--data", DataSources.files(data)).inputs("--test", test == null ? List.of() : DataSources.files(test))
                .input("--resume", resume).output("--out", out).output("--plot", plot).output("--metrics-json", metricsJson)
                .output("--checkpoint", checkpointEvery > 0 ? checkpointFile : null)
                .allow("--resume", "--checkpoint") // read whole before training, then written again as training goes on
                .check();
        engineOptions.config();
        // A bad checkpoint is found before the data is read.
        CheckpointFile.Checkpoint resumed = resume == null ? null : CheckpointFile.load(resume);
        if (resumed != null && epochs < resumed.state().epochsDone()) {
            int done = resumed.state().epochsDone();
            throw new UsageException("--epochs " + epochs + " with --resume " + resume + ": the checkpoint already holds " + Words.count(done, "epoch")
                    + "; give --epochs " + done + " or more (" + done + " saves its model as it is)");
        }

        var out = out();
        // The engine and its device before the data: an unavailable device must not cost reading a large data set.
        try (Engine engine = engineOptions.create(); Opened opened = new Opened();
             // The JIT compiles the kernels on made-up data while the data loads (docs/BENCHMARKS.md, "Cold start").
             Prewarm prewarm = !engine.name().equals("cpu") || Boolean.getBoolean("delta4j.noPrewarm") ? Prewarm.none()
                     : Prewarm.start(engine, model(widths, hidden, normFn, dropP, lossFn, lossParameter), TrainingConfig.builder()
                             .optimizer(opt).weightDecay(weightDecay).clipGradientNorm(clipNorm).batchSize(batch).build())) {
            DataSources.Request req = new DataSources.Request(t, targets, null, 0, CsvReader.Targets.REQUIRED, task != null);
            LoadedData train = opened.keep(DataSources.load(data, DataSources.Part.TRAIN, req));
            train.notes().forEach(this::warn);
            if (widths[0] != train.features()) {
                throw new UsageException("--layers " + layers + " starts with " + widths[0] + " inputs, but " + train.source() + " has "
                        + Words.count(train.features(), "feature") + ": start it with " + train.features());
            }
            if (widths[widths.length - 1] != train.targets()) {
                throw new UsageException("--layers " + layers + " ends with " + Words.count(widths[widths.length - 1], "output") + ", but " + train.source()
                        + " has " + (classification ? Words.count(train.targets(), "class", "classes")
                        : multiLabel ? Words.count(train.targets(), "label") : Words.count(train.targets(), "target column"))
                        + ": end it with " + train.targets());
            }
            if (classification && train.targets() == 1) {
                warn(train.source() + " holds a single class ('" + train.labels().name(0) + "'): the model can only ever predict it,"
                        + " and its loss is 0 from the start; check the label column");
            }
            if (validation > 0 && train.rows() < 2) {
                throw new UsageException("--validation " + validation + ": " + train.source() + " has " + Words.count(train.rows(), "sample")
                        + "; holding some out for validation needs at least 2");
            }
            DataSources.Request testReq = new DataSources.Request(t, multiLabel ? train.targets() : targets, train.labels(), train.features(),
                    CsvReader.Targets.REQUIRED, task != null);
            LoadedData testData = opened.keep(test != null ? DataSources.load(test, DataSources.Part.TEST, testReq)
                    : DataSources.isIdx(data) && DataSources.hasPart(data, DataSources.Part.TEST) ? DataSources.load(data, DataSources.Part.TEST, testReq)
                    : null);
            if (testData != null) {
                testData.notes().forEach(this::warn);
            }

            Mlp mlp = model(widths, hidden, normFn, dropP, lossFn, lossParameter);
            if (classification || multiLabel) {
                // A multi-label model's labels name its outputs (the CSV header's target columns): predict prints them.
                mlp.setLabels(train.labels());
            }

            Samples all = train.samples();
            Map<String, String> settings = settings(widths, t, hidden, normFn, dropP, lossFn, lossParameter, opt, train.standardize(), all);
            TrainingState state = null;
            if (resumed != null) {
                checkSameSettings(resumed.settings(), settings);
                state = resumed.state();
            }
            // The files' sizes are known now: a full disk is found before the training it would waste.
            SpaceCheck.check(spaceNeeds(mlp, opt, train, checkpointFile), SpaceCheck.FILE_SYSTEMS);

            long held = validation > 0 ? Math.max(1, Math.min(all.size() - 1, Math.round(all.size() * validation))) : 0;
            long trainSamples = all.size() - held;
            if (normFn == Normalization.BATCH && trainSamples < 2) {
                throw new UsageException("--norm batch: " + Words.count(trainSamples, "training sample") + " cannot be normalised over a"
                        + " mini-batch, which needs at least 2; use --norm layer or more data");
            }
            if (normFn == Normalization.BATCH && lastBatchOfOne(trainSamples, batch)) {
                long other = batch + 1;
                while (lastBatchOfOne(trainSamples, other)) {
                    other++;
                }
                throw new UsageException("--norm batch with --batch " + batch + ": the " + Words.count(trainSamples, "training sample")
                        + " leave a last mini-batch of 1 sample, which batch normalisation cannot normalise; choose another batch size,"
                        + " e.g. --batch " + other);
            }
            if (!quiet) {
                out.println("data:      " + train.describe() + (held > 0 ? " (" + held + " of " + all.size() + " held out for validation, "
                        + trainSamples + " for training)" : ""));
                if (testData != null) {
                    out.println("test:      " + testData.describe());
                }
                out.println("model:     " + mlp);
                out.println("training:  " + describe(opt, schedule, lossFn, mlp.lossParameter()) + ", batch " + batch + ", up to " + Words.count(epochs, "epoch")
                        + (patience > 0 ? ", patience " + patience : "") + (train.standardize() ? ", inputs standardised" : "")
                        + (targetsStandardised ? ", targets standardised" : "")
                        + (clipNorm > 0 ? ", gradients clipped at norm " + Words.decimal(clipNorm) : ""));
                if (state != null) {
                    out.println("resumed:   " + resume + " after epoch " + state.epochsDone());
                }
                out.println("engine:    " + EngineOptions.describe(engine));
                out.flush();
            }
            Outputs outputs = Outputs.standard();
            try (InterruptNotice notice = new InterruptNotice(err(), spec.commandLine().getParseResult().originalArgs(),
                    checkpointEvery > 0 ? checkpointFile : null, resume, state == null ? 0 : state.epochsDone(), epochs).install()) {
                TrainingProgress progress = new TrainingProgress(TrainingProgress.detect(quiet), out, System.out, epochs, trainSamples);
                CheckpointWriter checkpoints = new CheckpointWriter(checkpointFile, settings, notice);
                TrainingConfig.Builder cfg = TrainingConfig.builder().optimizer(opt).weightDecay(weightDecay).schedule(sched).batchSize(batch)
                        .maxEpochs(epochs).validationFraction(validation).patience(patience).seed(seed).standardize(train.standardize())
                        .listener(progress).listener(new TrainingListener() {
                            @Override
                            public void onEpoch(EpochReport r) {
                                notice.epochDone(r.epoch());
                            }
                        }).clipGradientNorm(clipNorm).standardizeTargets(targetsStandardised);
                if (checkpointEvery > 0) {
                    cfg.checkpointEvery(checkpointEvery, checkpoints);
                }
                TrainingResult r;
                try {
                    prewarm.await();
                    r = new Trainer(engine, cfg.build()).resume(mlp, all, state);
                } catch (TrainingDivergedException e) {
                    if (Double.isNaN(e.targetScale())) {
                        throw e;
                    }
                    throw new TrainingDivergedException(e.epoch(), String.format(Locale.ROOT, "training diverged in epoch %d: the loss was"
                            + " already %.3g before any update, so the learning rate is not the cause: targets reach %.3g; %s", e.epoch(),
                            e.lossBeforeUpdates(), e.targetScale(), targetsStandardised ? "look for outliers among them"
                                    : "standardise them (--standardize-targets true) or scale them"), e.lossBeforeUpdates(), e.targetScale());
                } finally {
                    progress.close();
                }
                notice.trainingDone();
                TestMetrics tm = testData == null ? null : TestMetrics.score(mlp.loss(), mlp.lossParameter(), testData.predict(mlp, engine),
                        testData.targetMatrix(), mlp.outputs(), classification, mlp.targetStandardizer());

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
                String chance = ChanceLevel.warning(kept.trainLoss(), lossFn, mlp.lossParameter(), all, t, mlp.targetStandardizer() != null, opt);
                if (chance != null) {
                    warn(chance);
                }

                // Each output on its own: one that fails does not stop the others, and a trained model is never lost.
                if (this.out != null) {
                    outputs.writeModel(this.out, ModelFile.toBytes(mlp));
                }
                if (checkpointEvery > 0) {
                    outputs.add(checkpoints.result());
                }
                if (plot != null) {
                    outputs.write("plot:", "--plot", plot, LossPlot.png(r.history(), "delta4j: " + mlp));
                }
                if (metricsJson != null) {
                    outputs.write("metrics:", "--metrics-json", metricsJson,
                            utf8(() -> MetricsJson.training(engine.name(), engine.device(), r.history(), tm, r.samplesPerSecond())));
                }
                outputs.printSummary(out);
                if (this.out == null && !quiet) {
                    out.println("(not saved: add --out MODEL to keep it)");
                }
            }
            return outputs.finish(err());
        }
    }

    private Mlp model(int[] widths, Activation hidden, Normalization normFn, float dropP, Loss lossFn, float lossParameter) {
        Mlp.Builder b = Mlp.builder(widths[0]).loss(lossFn, lossParameter).seed(seed);
        for (int l = 1; l < widths.length - 1; l++) {
            b.dense(widths[l], hidden).normalization(normFn);
            if (dropP > 0) {
                b.dropout(dropP);
            }
        }
        b.dense(widths[widths.length - 1], switch (lossFn) {
            case SOFTMAX_CROSS_ENTROPY -> Activation.SOFTMAX;
            case BINARY_CROSS_ENTROPY -> Activation.SIGMOID;
            case MSE, L1, HUBER -> Activation.IDENTITY;
        });
        return b.build();
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
        needs.add(new SpaceCheck.Need("--out", out, model));
        needs.add(new SpaceCheck.Need("--checkpoint", checkpointEvery > 0 ? checkpointFile : null, checkpointBytes));
        needs.add(new SpaceCheck.Need("--plot", plot, LossPlot.MAX_BYTES));
        needs.add(new SpaceCheck.Need("--metrics-json", metricsJson, 1024 + 160L * epochs));
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
    private Map<String, String> settings(int[] widths, CsvReader.Task t, Activation hidden, Normalization normFn, float dropP, Loss lossFn,
                                         float lossParameter, Optimizer opt, boolean standardize, Samples d) {
        Map<String, String> m = new LinkedHashMap<>();
        StringBuilder w = new StringBuilder();
        for (int n : widths) {
            w.append(w.isEmpty() ? "" : ",").append(n);
        }
        m.put("layers", w.toString());
        m.put("task", t.name().toLowerCase(Locale.ROOT));
        m.put("targets", String.valueOf(d instanceof MappedDataset ? d.targets() : targets)); // a data file says, --targets does not
        m.put("activation", hidden.id());
        m.put("norm", normFn.id());
        m.put("dropout", String.valueOf(dropP));
        m.put("loss", lossFn.id() + (lossFn.hasParameter() ? ":" + lossParameter : ""));
        m.put("optimizer", opt.kind().id());
        m.put("lr", String.valueOf(opt.learningRate()));
        m.put("weight-decay", String.valueOf(weightDecay));
        m.put("schedule", schedule.trim().toLowerCase(Locale.ROOT));
        m.put("batch", String.valueOf(batch));
        m.put("validation", String.valueOf(validation));
        m.put("patience", String.valueOf(patience));
        m.put("seed", String.valueOf(seed));
        m.put("clip-norm", String.valueOf(clipNorm));
        m.put("standardize", String.valueOf(standardize));
        m.put("standardize-targets", String.valueOf(targetsStandardised));
        m.put("epochs", String.valueOf(epochs));
        // A data file's own checksums fingerprint it (reading it whole again would cost a pass over the file).
        m.put("data", d.size() + " samples, " + d.features() + " features, " + d.targets() + " targets, crc " + switch (d) {
            case Dataset inMemory -> Long.toHexString(crc(inMemory.featureMatrix(), inMemory.targetMatrix()));
            case MappedDataset file -> file.fingerprint();
            default -> throw new IllegalStateException("no fingerprint for " + d.getClass().getName());
        });
        return m;
    }

    private static long crc(float[]... arrays) {
        CRC32 crc = new CRC32();
        ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] a : arrays) {
            for (float v : a) {
                if (!b.hasRemaining()) {
                    crc.update(b.flip());
                    b.clear();
                }
                b.putFloat(v);
            }
        }
        crc.update(b.flip());
        return crc.getValue();
    }

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
            throw new UsageException("--resume " + resume + ": the checkpoint was written with other settings or data: "
                    + String.join("; ", diffs) + ". Resume with the options and data it was made with (only --epochs may differ)");
        }
    }

    static CsvReader.Task parseTask(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "regression" -> CsvReader.Task.REGRESSION;
            case "classification" -> CsvReader.Task.CLASSIFICATION;
            case "multilabel", "multi-label", "multi_label" -> CsvReader.Task.MULTILABEL;
            default -> throw new UsageException("--task " + s + ": use regression, classification or multilabel");
        };
    }

    static String describe(Optimizer o, String schedule, Loss loss, float lossParameter) {
        return o.kind().id() + " (lr " + Words.decimal(o.learningRate()) + ", " + schedule.trim().toLowerCase(Locale.ROOT) + " schedule), " + switch (loss) {
            case MSE -> "mse";
            case SOFTMAX_CROSS_ENTROPY -> "cross-entropy";
            case L1 -> "l1";
            case HUBER -> "huber (δ " + Words.decimal(lossParameter) + ")";
            case BINARY_CROSS_ENTROPY -> "binary cross-entropy";
        } + " loss";
    }
}
