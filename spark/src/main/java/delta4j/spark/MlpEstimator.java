package delta4j.spark;

import delta4j.data.Standardizer;
import delta4j.io.ModelFile;
import delta4j.engine.Activation;
import delta4j.engine.Loss;
import delta4j.model.LearningRateSchedule;
import delta4j.model.Mlp;
import delta4j.model.Normalization;
import delta4j.model.Optimizer;
import delta4j.model.TrainingDivergedException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

import java.util.List;

/**
 * What {@link MlpRegressor} and {@link MlpClassifier} share: the Spark ML params of a delta4j fit and the
 * fit itself. The DataFrame's partitions become the replicas (one Spark task, one engine each); how they
 * cooperate is the {@code mode} param ({@link TrainingMode}).
 *
 * @param <E> the estimator itself (setters return it)
 * @param <M> the model it fits
 */
public abstract class MlpEstimator<E extends MlpEstimator<E, M>, M extends MlpModel<M>> extends Estimator<M>
        implements DefaultParamsWritable {

    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> featuresCol;
    private final Param<String> labelCol;
    private final Param<String> predictionCol;
    private final IntArrayParam layers;
    private final StringArrayParam activations;
    private final Param<String> outputActivation;
    private final Param<String> loss;
    private final Param<String> normalization;
    private final DoubleParam dropout;
    private final Param<String> optimizer;
    private final DoubleParam learningRate;
    private final DoubleParam weightDecay;
    private final Param<String> schedule;
    private final DoubleParam clipNorm;
    private final IntParam batchSize;
    private final IntParam epochs;
    private final LongParam seed;
    private final BooleanParam shuffle;
    private final Param<String> engine;
    private final IntParam engineThreads;
    private final Param<String> mode;
    private final IntParam averageEvery;
    private final IntParam numPartitions;
    private final DoubleParam validationFraction;
    private final IntParam patience;
    private final Param<String> checkpointDir;
    private final IntParam checkpointInterval;
    private final BooleanParam keepCheckpoints;
    private final BooleanParam standardizeTargets;
    private final BooleanParam balancedBatches;

    // Spark ML params are made with their owner (new Param<>(this, ...)), which only reads uid, set first.
    @SuppressWarnings("this-escape")
    protected MlpEstimator(String uid, String outputActivationDefault, String lossDefault) {
        this.uid = uid;
        featuresCol = new Param<>(this, "featuresCol", "features column name (a vector column)");
        labelCol = new Param<>(this, "labelCol", "label column name");
        predictionCol = new Param<>(this, "predictionCol", "prediction column name");
        layers = new IntArrayParam(this, "layers", "layer widths from the inputs to the outputs, e.g. [784, 256, 128, 10]");
        activations = new StringArrayParam(this, "activations",
                "hidden-layer activations (identity, sigmoid, tanh, relu, leaky_relu): one for all hidden layers or one per hidden layer");
        outputActivation = new Param<>(this, "outputActivation", "output-layer activation");
        loss = new Param<>(this, "loss", "loss: mse, l1, huber or huber:DELTA (Huber's threshold, 1 by default), ce (softmax"
                + " cross-entropy, softmax output) or bce (binary cross-entropy on sigmoid outputs: multi-label, MlpClassifier)");
        normalization = new Param<>(this, "normalization", "normalisation of every hidden layer: none, layer (per sample) or batch"
                + " (per unit over the global batch, with running statistics for prediction)");
        dropout = new DoubleParam(this, "dropout", "dropout probability of every hidden layer's activations in training, in [0, 1)");
        optimizer = new Param<>(this, "optimizer", "optimizer: sgd, momentum, nesterov, adam, adamw");
        learningRate = new DoubleParam(this, "learningRate", "base learning rate");
        weightDecay = new DoubleParam(this, "weightDecay", "L2 weight decay on the weights (decoupled for adamw)");
        schedule = new Param<>(this, "schedule", "learning-rate schedule: constant, step[:EVERY[:GAMMA]], cosine[:MIN_FACTOR]");
        clipNorm = new DoubleParam(this, "clipNorm", "clip the global gradient norm to this (0: off)");
        batchSize = new IntParam(this, "batchSize", "global mini-batch size: the samples of one step over all partitions");
        epochs = new IntParam(this, "epochs", "passes over the training data");
        seed = new LongParam(this, "seed", "seed of the initial weights, the shuffles and the validation split");
        shuffle = new BooleanParam(this, "shuffle", "reshuffle the training samples every epoch");
        engine = new Param<>(this, "engine", "delta4j engine of each task: cpu, opencl, reference or auto");
        engineThreads = new IntParam(this, "engineThreads", "threads of each task's cpu engine (0: spark.task.cpus)");
        mode = new Param<>(this, "mode", "sync (all-reduce per step in one barrier stage), average (local SGD, "
                + "averaging every averageEvery steps) or aggregate (one treeAggregate job per step)");
        averageEvery = new IntParam(this, "averageEvery", "average mode: local steps between parameter averagings (K)");
        numPartitions = new IntParam(this, "numPartitions", "replicas (partitions) to train with (0: the DataFrame's partitions)");
        validationFraction = new DoubleParam(this, "validationFraction", "fraction of the rows held out for validation (0: none)");
        patience = new IntParam(this, "patience", "early stopping: epochs without a better validation loss (0: off)");
        checkpointDir = new Param<>(this, "checkpointDir", "sync and average: a Hadoop-compatible directory where partition 0 writes"
                + " a delta4j checkpoint every checkpointInterval epochs, from which a retried training stage resumes (empty: none)");
        checkpointInterval = new IntParam(this, "checkpointInterval", "epochs between checkpoints (with checkpointDir)");
        keepCheckpoints = new BooleanParam(this, "keepCheckpoints", "keep every checkpoint, the last epoch's too, in the fit's folder"
                + " under checkpointDir (FitSummary.checkpointFolder) instead of only the newest until the fit succeeds");
        standardizeTargets = new BooleanParam(this, "standardizeTargets", "regression with loss mse and an identity output: train on"
                + " targets scaled to zero mean and unit variance over the training rows, predict in the targets' units");

        balancedBatches = new BooleanParam(this, "balancedBatches", "sync and aggregate: every global batch takes from each partition"
                + " its share of the rows (less than 2 off), so no task waits for one that drew more; false: the single-process"
                + " trainer's batches with this seed, each partition holding however many of a batch's rows it drew");

        setDefault(featuresCol, "features");
        setDefault(labelCol, "label");
        setDefault(predictionCol, "prediction");
        setDefault(activations, new String[]{"relu"});
        setDefault(outputActivation, outputActivationDefault);
        setDefault(loss, lossDefault);
        setDefault(normalization, "none");
        setDefault(dropout, 0.0);
        setDefault(optimizer, "adam");
        setDefault(learningRate, 1e-3);
        setDefault(weightDecay, 0.0);
        setDefault(schedule, "constant");
        setDefault(clipNorm, 0.0);
        setDefault(batchSize, 128);
        setDefault(epochs, 10);
        setDefault(seed, 42L);
        setDefault(shuffle, true);
        setDefault(engine, "cpu");
        setDefault(engineThreads, 0);
        setDefault(mode, TrainingMode.SYNC.id());
        setDefault(averageEvery, 8);
        setDefault(balancedBatches, true);
        setDefault(numPartitions, 0);
        setDefault(validationFraction, 0.0);
        setDefault(patience, 0);
        setDefault(checkpointDir, "");
        setDefault(checkpointInterval, 1);
        setDefault(keepCheckpoints, false);
        setDefault(standardizeTargets, true);
    }

    @Override
    public String uid() {
        return uid;
    }

    @SuppressWarnings("unchecked")
    private E self() {
        return (E) this;
    }

    // ------------------------------------------------------------------ params (Spark finds them by these getters)

    public Param<String> featuresCol() { return featuresCol; }
    public Param<String> labelCol() { return labelCol; }
    public Param<String> predictionCol() { return predictionCol; }
    public IntArrayParam layers() { return layers; }
    public StringArrayParam activations() { return activations; }
    public Param<String> outputActivation() { return outputActivation; }
    public Param<String> loss() { return loss; }
    public Param<String> normalization() { return normalization; }
    public DoubleParam dropout() { return dropout; }
    public Param<String> optimizer() { return optimizer; }
    public DoubleParam learningRate() { return learningRate; }
    public DoubleParam weightDecay() { return weightDecay; }
    public Param<String> schedule() { return schedule; }
    public DoubleParam clipNorm() { return clipNorm; }
    public IntParam batchSize() { return batchSize; }
    public IntParam epochs() { return epochs; }
    public LongParam seed() { return seed; }
    public BooleanParam shuffle() { return shuffle; }
    public Param<String> engine() { return engine; }
    public IntParam engineThreads() { return engineThreads; }
    public Param<String> mode() { return mode; }
    public IntParam averageEvery() { return averageEvery; }
    public BooleanParam balancedBatches() { return balancedBatches; }
    public IntParam numPartitions() { return numPartitions; }
    public DoubleParam validationFraction() { return validationFraction; }
    public IntParam patience() { return patience; }
    public Param<String> checkpointDir() { return checkpointDir; }
    public IntParam checkpointInterval() { return checkpointInterval; }
    public BooleanParam keepCheckpoints() { return keepCheckpoints; }
    public BooleanParam standardizeTargets() { return standardizeTargets; }

    public E setFeaturesCol(String v) { set(featuresCol, v); return self(); }
    public E setLabelCol(String v) { set(labelCol, v); return self(); }
    public E setPredictionCol(String v) { set(predictionCol, v); return self(); }
    public E setLayers(int... v) { set(layers, v); return self(); }
    public E setActivations(String... v) { set(activations, v); return self(); }
    public E setOutputActivation(String v) { set(outputActivation, v); return self(); }
    public E setLoss(String v) { set(loss, v); return self(); }
    public E setNormalization(String v) { set(normalization, v); return self(); }
    public E setDropout(double v) { set(dropout, v); return self(); }
    public E setOptimizer(String v) { set(optimizer, v); return self(); }
    public E setLearningRate(double v) { set(learningRate, v); return self(); }
    public E setWeightDecay(double v) { set(weightDecay, v); return self(); }
    public E setSchedule(String v) { set(schedule, v); return self(); }
    public E setClipNorm(double v) { set(clipNorm, v); return self(); }
    public E setBatchSize(int v) { set(batchSize, v); return self(); }
    public E setEpochs(int v) { set(epochs, v); return self(); }
    public E setSeed(long v) { set(seed, v); return self(); }
    public E setShuffle(boolean v) { set(shuffle, v); return self(); }
    public E setEngine(String v) { set(engine, v); return self(); }
    public E setEngineThreads(int v) { set(engineThreads, v); return self(); }
    public E setMode(String v) { set(mode, v); return self(); }
    public E setAverageEvery(int v) { set(averageEvery, v); return self(); }
    public E setBalancedBatches(boolean v) { set(balancedBatches, v); return self(); }
    public E setNumPartitions(int v) { set(numPartitions, v); return self(); }
    public E setValidationFraction(double v) { set(validationFraction, v); return self(); }
    public E setPatience(int v) { set(patience, v); return self(); }
    public E setCheckpointDir(String v) { set(checkpointDir, v); return self(); }
    public E setCheckpointInterval(int v) { set(checkpointInterval, v); return self(); }
    public E setKeepCheckpoints(boolean v) { set(keepCheckpoints, v); return self(); }
    public E setStandardizeTargets(boolean v) { set(standardizeTargets, v); return self(); }

    String featuresColName() { return getOrDefault(featuresCol); }
    String labelColName() { return getOrDefault(labelCol); }

    // ------------------------------------------------------------------ what a subclass says

    /** How the label column becomes targets for a network with {@code outputs} outputs. */
    abstract Shard.Targets targets(int outputs);

    /** The fitted model around the trained network. */
    abstract M newModel(String uid, Mlp mlp);

    // ------------------------------------------------------------------ fitting

    /** The network the params describe, with its initial weights (seeded by {@code seed}). */
    Mlp initialModel() {
        if (!isDefined(layers)) {
            throw new IllegalArgumentException("set layers: the widths from the inputs to the outputs, e.g. setLayers(784, 256, 128, 10)");
        }
        int[] widths = getOrDefault(layers);
        if (widths.length < 2) {
            throw new IllegalArgumentException("layers " + java.util.Arrays.toString(widths) + " needs at least the input and the output width");
        }
        String[] hidden = getOrDefault(activations);
        int depth = widths.length - 1;
        if (hidden.length != 1 && hidden.length != depth - 1) {
            throw new IllegalArgumentException("activations has " + hidden.length + " entries: give one for all hidden layers or one per hidden layer ("
                    + (depth - 1) + ")");
        }
        Loss lossFn = lossFunction();
        float lossParameter = param("loss", () -> Loss.parseParameter(getOrDefault(loss)));
        Normalization norm = normalisation();
        double p = (Double) getOrDefault(dropout);
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("param dropout is " + p + ": it must lie in [0, 1) (0: no dropout)");
        }
        if (depth < 2 && (norm != Normalization.NONE || p > 0)) {
            throw new IllegalArgumentException("param " + (p > 0 ? "dropout" : "normalization") + ": layers " + java.util.Arrays.toString(widths)
                    + " has no hidden layer (the output layer is never normalised or dropped out); add one, e.g. setLayers(" + widths[0] + ", 64, "
                    + widths[depth] + ")");
        }
        for (int w : widths) {
            if (w <= 0) {
                throw new IllegalArgumentException("param layers " + java.util.Arrays.toString(widths) + ": every width must be at least 1");
            }
        }
        Mlp.Builder b = Mlp.builder(widths[0]).seed((Long) getOrDefault(seed)).loss(lossFn, lossParameter);
        for (int l = 0; l < depth - 1; l++) {
            String a = hidden.length == 1 ? hidden[0] : hidden[l];
            Activation phi = param("activations", () -> Activation.parse(a));
            if (!phi.isElementwise()) {
                throw new IllegalArgumentException("param activations: " + phi.id() + " is only allowed on the output layer (outputActivation)");
            }
            b.dense(widths[l + 1], phi).normalization(norm);
            if (p > 0) {
                b.dropout(p);
            }
        }
        Activation out = param("outputActivation", () -> Activation.parse(getOrDefault(outputActivation)));
        b.dense(widths[depth], out);
        // What is left to fail is the loss against the output activation (sizes and hidden layers are checked above).
        return param("loss", b::build);
    }

    /** The loss the {@code loss} param names (without its parameter). */
    Loss lossFunction() {
        return param("loss", () -> Loss.parseSpec(getOrDefault(loss)));
    }

    /** The normalisation the {@code normalization} param names. */
    Normalization normalisation() {
        return param("normalization", () -> Normalization.parse(getOrDefault(normalization)));
    }

    /** Runs a parse or check and names the param in its one-line message. */
    static <T> T param(String name, java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IllegalArgumentException("param " + name + ": " + e.getMessage(), e);
        }
    }

    Settings settings() {
        String opt = getOrDefault(optimizer), sched = getOrDefault(schedule);
        Optimizer.parse(opt, (float) (double) (Double) getOrDefault(learningRate)); // names and rates fail here, on the driver
        LearningRateSchedule.parse(sched);
        TrainingMode m = TrainingMode.parse(getOrDefault(mode));
        int patienceEpochs = (Integer) getOrDefault(patience);
        double fraction = (Double) getOrDefault(validationFraction);
        if (patienceEpochs > 0 && fraction <= 0) {
            throw new IllegalArgumentException("early stopping (patience " + patienceEpochs + ") needs a validation set: set validationFraction");
        }
        Settings s = new Settings(opt, (float) (double) (Double) getOrDefault(learningRate), (float) (double) (Double) getOrDefault(weightDecay), sched,
                (float) (double) (Double) getOrDefault(clipNorm), (Integer) getOrDefault(batchSize), (Integer) getOrDefault(epochs), (Long) getOrDefault(seed),
                (Boolean) getOrDefault(shuffle), fraction, patienceEpochs, getOrDefault(engine), (Integer) getOrDefault(engineThreads), m,
                (Integer) getOrDefault(averageEvery), (Boolean) getOrDefault(standardizeTargets), (Boolean) getOrDefault(balancedBatches));
        s.config(); // every other bad value fails here with TrainingConfig's message
        if (s.averageEvery() <= 0) {
            throw new IllegalArgumentException("averageEvery must be positive, got " + s.averageEvery());
        }
        if (normalisation() == Normalization.BATCH) {
            if (m == TrainingMode.AGGREGATE) {
                throw new IllegalArgumentException("param normalization: batch normalisation trains in mode sync (global batch statistics) or"
                        + " average (per-partition statistics), not aggregate: set mode sync, or normalization layer");
            }
            if (s.batchSize() < 2) {
                throw new IllegalArgumentException("param batchSize is " + s.batchSize() + ": batch normalisation needs batches of at least 2 samples");
            }
        }
        return s;
    }

    /**
     * A barrier stage runs all of its tasks at once; with more partitions than task slots Spark retries its slot check
     * for minutes (spark.scheduler.barrier.maxConcurrentTasksCheck.*) before it fails. On a local master the slots are
     * known, so the fit fails at once, saying what to change; elsewhere executors may still be registering, and
     * Spark's own check decides.
     */
    private static void checkBarrierSlots(int partitions, org.apache.spark.SparkContext sc) {
        int slots = localTaskSlots(sc.master(), sc.getConf().getInt("spark.task.cpus", 1), Runtime.getRuntime().availableProcessors());
        if (slots >= 0 && partitions > slots) {
            throw new IllegalArgumentException("the fit needs a task slot per partition at once (sync and average run as one Spark"
                    + " barrier stage), but the data has " + partitions + " partitions and Spark " + sc.master() + " has " + slots
                    + " task slots: set numPartitions to at most " + slots + " or start Spark with more threads (local[" + partitions + "])");
        }
    }

    /**
     * {@return the task slots of a local master ({@code local}, {@code local[N]}, {@code local[*]}, with or without
     * a failure count), or −1 for any other master, local-cluster included}
     *
     * @param master the master URL
     * @param taskCpus spark.task.cpus
     * @param processors the machine's processors, for {@code local[*]}
     */
    static int localTaskSlots(String master, int taskCpus, int processors) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\d+)?\\])?").matcher(master.trim());
        if (!m.matches()) {
            return -1;
        }
        int threads = m.group(1) == null ? 1 : m.group(1).equals("*") ? processors : Integer.parseInt(m.group(1));
        return threads / Math.max(1, taskCpus);
    }

    /** The fit's checkpoints when {@code checkpointDir} is set (a new folder under it per fit), else null. */
    private Checkpoints checkpoints(TrainingMode m, org.apache.hadoop.conf.Configuration hadoop) {
        String dir = getOrDefault(checkpointDir);
        if (dir == null || dir.isEmpty()) {
            return null;
        }
        return switch (m) {
            case SYNC, AVERAGE -> new Checkpoints(dir, (Integer) getOrDefault(checkpointInterval), java.util.UUID.randomUUID().toString(), hadoop,
                    (Boolean) getOrDefault(keepCheckpoints));
            case AGGREGATE -> throw new IllegalArgumentException("param checkpointDir: mode aggregate keeps the model on the driver, where"
                    + " Spark retries each step's tasks alone; checkpoints are for modes sync and average (unset checkpointDir)");
        };
    }

    /**
     * Trains on {@code dataset}: a vector features column and a label column. Each partition becomes one
     * replica (set {@code numPartitions} to repartition), training runs as {@code mode} says, and the model
     * holds the trained network and the fit's summary.
     */
    @Override
    public M fit(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        Settings s = settings();
        Mlp mlp = initialModel();
        Dataset<Row> df = dataset.toDF();
        int wanted = (Integer) getOrDefault(numPartitions);
        if (wanted > 0 && df.rdd().getNumPartitions() != wanted) {
            df = df.repartition(wanted);
        }
        if (s.mode() != TrainingMode.AGGREGATE) {
            checkBarrierSlots(df.rdd().getNumPartitions(), df.sparkSession().sparkContext());
        }
        boolean standardize = targetStandardisation(mlp);
        JavaRDD<Shard> labelled = Shard.of(df, featuresColName(), labelColName(), mlp.inputs(), targets(mlp.outputs()))
                .persist(StorageLevel.MEMORY_AND_DISK());
        JavaRDD<Shard> shards = labelled;
        try {
            List<Integer> counts = labelled.map(sh -> sh.rows).collect();
            Layout layout = new Layout(counts.stream().mapToInt(Integer::intValue).toArray(), s.validationFraction(), s.seed());
            checkBatchStatistics(mlp, s, layout);
            if (standardize) {
                Standardizer ts = Standardizer.fitTargets(trainingTargets(labelled, layout, mlp.outputs()));
                mlp.setTargetStandardizer(ts);
                float[] mean = ts.mean(), scale = ts.scale();
                shards = labelled.map(sh -> sh.withStandardisedTargets(new Standardizer(mean, scale))).persist(StorageLevel.MEMORY_AND_DISK());
            }
            byte[] model = ModelFile.toBytes(mlp);
            Checkpoints checkpoints = checkpoints(s.mode(), df.sparkSession().sparkContext().hadoopConfiguration());
            Outcome o = switch (s.mode()) {
                case SYNC, AVERAGE -> BarrierTraining.fit(shards, layout, s, model, checkpoints);
                case AGGREGATE -> AggregateTraining.fit(JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext()), shards, layout, s, model);
            };
            if (o.error != null) {
                throw new TrainingDivergedException(o.epochs.size() + 1, o.error);
            }
            Flat.into(mlp, o.parameters);
            Flat.statisticsInto(mlp, o.statistics);
            M fitted = copyValues(newModel(uid, mlp), extractParamMap());
            fitted.setParent(this);
            fitted.summary = new FitSummary(o.history(), o.stopReason, s.mode(), layout.partitions(), o.steps, o.seconds,
                    o.commSeconds, o.bytesSent, o.stageAttempt, o.resumedFromEpoch, o.checkpoints,
                    checkpoints != null && checkpoints.kept() ? checkpoints.folder() : null);
            if (checkpoints != null) {
                checkpoints.delete();
            }
            return fitted;
        } finally {
            if (shards != labelled) {
                shards.unpersist(false);
            }
            labelled.unpersist(false);
        }
    }

    /**
     * Batch normalisation needs at least 2 rows in every batch it normalises: the global batches in sync mode (the
     * last one holds the remainder), each partition's batches in average mode. Checked on the driver, before the
     * barrier stage, whose failures Spark would retry.
     */
    private static void checkBatchStatistics(Mlp mlp, Settings s, Layout layout) {
        boolean batchNorm = false;
        for (int l = 0; l < mlp.depth(); l++) {
            batchNorm |= mlp.normalization(l) == Normalization.BATCH;
        }
        if (!batchNorm) {
            return;
        }
        int n = layout.trainSize(), batch = Math.min(s.batchSize(), n);
        if (s.mode() == TrainingMode.AVERAGE && batch / layout.partitions() < 2) {
            throw new IllegalArgumentException("param batchSize is " + s.batchSize() + ": mode average steps each of the " + layout.partitions()
                    + " partitions on batchSize / partitions = " + batch / layout.partitions() + " rows, and batch normalisation needs at least 2;"
                    + " use a batchSize of at least " + 2 * layout.partitions());
        }
        if (s.mode() != TrainingMode.AVERAGE && n % batch == 1) {
            throw new IllegalArgumentException("param batchSize is " + s.batchSize() + ": the " + n + " training rows leave a last batch of 1 row,"
                    + " which batch normalisation cannot normalise; change batchSize (e.g. " + (batch + 1) + ")");
        }
    }

    /**
     * Whether the fit standardises its targets: by default where {@link Mlp#canStandardizeTargets()} (a regression
     * with loss mse and an identity output), as the cli does; asked for elsewhere, an error.
     */
    private boolean targetStandardisation(Mlp mlp) {
        boolean wanted = (Boolean) getOrDefault(standardizeTargets);
        if (wanted && isSet(standardizeTargets) && !mlp.canStandardizeTargets()) {
            throw new IllegalArgumentException("param standardizeTargets applies to a regression with loss mse and an identity output layer ("
                    + mlp.loss().id() + " with a " + mlp.activation(mlp.depth() - 1).id() + " output trains on the labels' own units): drop it");
        }
        return wanted && mlp.canStandardizeTargets();
    }

    /**
     * The training rows' targets in training-position order, the rows and the order in which {@link delta4j.model.Trainer}
     * fits its target standardiser, so that {@link Standardizer#fitTargets} computes the same μ and σ (the features,
     * which it does not read, are a zero column).
     */
    private static delta4j.data.Dataset trainingTargets(JavaRDD<Shard> shards, Layout layout, int k) {
        List<float[]> parts = shards.map(sh -> sh.y).collect(); // partition order: global sample order
        float[] all = new float[Math.multiplyExact(layout.total(), k)];
        int at = 0;
        for (float[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        int[] train = layout.trainIndex();
        float[] y = new float[Math.multiplyExact(train.length, k)];
        for (int i = 0; i < train.length; i++) {
            System.arraycopy(all, train[i] * k, y, i * k, k);
        }
        return new delta4j.data.Dataset(train.length, 1, k, new float[train.length], y);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        for (String c : new String[]{featuresColName(), labelColName()}) {
            if (!java.util.Arrays.asList(schema.fieldNames()).contains(c)) {
                throw new IllegalArgumentException("the DataFrame has no column '" + c + "' (columns: " + String.join(", ", schema.fieldNames()) + ")");
            }
        }
        return outputSchema(schema);
    }

    /** The schema the fitted model's transform produces from {@code schema}. */
    abstract StructType outputSchema(StructType schema);
}
