package delta4j.model;

import delta4j.data.ByteDataset;
import delta4j.data.Dataset;
import delta4j.data.Samples;
import delta4j.engine.Engine;
import delta4j.engine.Loss;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Trains a throw-away stand-in of a model on made-up data, on the engine that will train the model, so that the JIT
 * has compiled the engine's kernels before the first real epoch ({@link #start}); or runs the stand-in's forward pass
 * on made-up rows, for a model about to predict ({@link #startPredicting}). Started in the background while the data
 * loads, it is waited for before the real work ({@link #await}), or stopped where the work is too small to pay for it
 * ({@link #close}); it touches neither the model nor the data, and the engine's kernels give the same bits in every
 * JIT tier, so the trained weights and the predictions are the same with or without it.
 *
 * <p>Why: a JVM runs the Vector API kernels of the cpu engine in the interpreter and in C1 code (which calls the Vector
 * API's Java fallbacks for every vector operation) until C2 has compiled them. On the real shapes a kernel's loop gets
 * hot long before the method has been called often, so C2 first compiles it on stack replacement, a larger and slower
 * compilation that holds up every other one, while C2 also compiles the Vector API's fallbacks that C1 code calls. The
 * stand-in has the model's depth, activations, normalisations, dropout and loss, narrow layers and a small batch: each
 * kernel is called many times on short loops, so C2 compiles the methods themselves, early, with the branches the real
 * shapes take (row tiles and edges, column panels, more than one block of k, one-vector-wide outputs) in their
 * profiles. docs/BENCHMARKS.md ("Cold start") has the measurements.
 *
 * <p>The engine's monitor serialises the stand-in's kernel calls with any others, as for every shared engine.
 */
public final class Prewarm implements AutoCloseable {

    /**
     * Steps of the stand-in: enough calls of every kernel for C2's method (not loop) thresholds, those called once a
     * step included, so that C2 compiles them in the warm-up rather than in the first epoch (engine-cpu/README.md, "The
     * first epoch", has the rounds behind the number).
     */
    static final int STEPS = 1500;
    /** Steps per epoch of the stand-in; cancelling takes effect between its epochs. */
    private static final int STEPS_PER_EPOCH = 50;
    /** Forward passes of the stand-in before a prediction (fewer or more made eval slower: engine-cpu/README.md). */
    static final int PASSES = 600;

    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final Thread thread;
    private volatile Throwable failure;

    /** A warm-up that will run {@code body} in its background thread, or none where it is null. */
    private Prewarm(java.util.function.Consumer<Prewarm> body) {
        thread = body == null ? null : Thread.ofPlatform().daemon().name("delta4j-prewarm").unstarted(() -> {
            try {
                body.accept(this);
            } catch (Throwable t) {
                failure = t;
            }
        });
    }

    /** {@return a warm-up that does nothing, for engines whose kernels the JVM does not compile} */
    public static Prewarm none() {
        return new Prewarm(null);
    }

    /** Starts a warm-up that runs {@code body} in its background thread. */
    private static Prewarm begin(java.util.function.Consumer<Prewarm> body) {
        Prewarm p = new Prewarm(body);
        p.thread.start();
        return p;
    }

    /**
     * Starts warming {@code engine} for training {@code model} as {@code config} says, in a background thread.
     *
     * @param engine the engine the model will train on
     * @param model  the model (only its architecture is read)
     * @param config the training's settings (optimizer, batch size, clipping)
     * @return the running warm-up; {@link #await} it before training, or {@link #close} it to stop it early
     */
    public static Prewarm start(Engine engine, Mlp model, TrainingConfig config) {
        return start(engine, model, config, false);
    }

    /**
     * Like {@link #start(Engine, Mlp, TrainingConfig)} for training data of the given kind: with {@code byteFeatures}
     * the stand-in's made-up features are bytes ({@link ByteDataset}), so that its steps warm the engine's upload of
     * bytes, which the real steps will run, rather than that of floats.
     *
     * @param engine       the engine the model will train on
     * @param model        the model (only its architecture is read)
     * @param config       the training's settings (optimizer, batch size, clipping)
     * @param byteFeatures whether the training data will be a {@link ByteDataset}
     * @return the running warm-up; {@link #await} it before training, or {@link #close} it to stop it early
     */
    public static Prewarm start(Engine engine, Mlp model, TrainingConfig config, boolean byteFeatures) {
        return begin(p -> p.run(engine, model, config, byteFeatures));
    }

    /**
     * Starts warming {@code engine} for predicting with {@code model}, in a background thread: the forward pass of a
     * narrow stand-in (the training warm-up's) on a few made-up rows, {@link #PASSES} times.
     *
     * @param engine the engine that will predict
     * @param model  the model (only its architecture is read)
     * @return the running warm-up; {@link #await} it before predicting, or {@link #close} it to stop it early
     */
    public static Prewarm startPredicting(Engine engine, Mlp model) {
        return startPredicting(engine, model, false);
    }

    /**
     * Like {@link #startPredicting(Engine, Mlp)} for features of the given kind: with {@code byteFeatures} the stand-in's
     * made-up rows are bytes ({@link Predictor#predict(byte[], float, float[])}), so that its passes warm the engine's
     * upload of bytes, which the real prediction will run, rather than that of floats.
     *
     * @param engine       the engine that will predict
     * @param model        the model (only its architecture is read)
     * @param byteFeatures whether the features to predict will be unsigned bytes
     * @return the running warm-up; {@link #await} it before predicting, or {@link #close} it to stop it early
     */
    public static Prewarm startPredicting(Engine engine, Mlp model, boolean byteFeatures) {
        return begin(p -> p.predict(engine, model, byteFeatures));
    }

    /**
     * Whether warming up pays for a prediction of {@code rows} rows with {@code model}: its forward pass costs at
     * least {@link #WORTH_FLOPS}. Below that the kernels' slow first runs cost less than waiting for the warm-up.
     *
     * @param model the model
     * @param rows  the rows to predict
     * @return true where the prediction should wait for the warm-up
     */
    public static boolean worthWaiting(Mlp model, long rows) {
        int[] sizes = model.sizes();
        double flops = 0;
        for (int l = 0; l + 1 < sizes.length; l++) {
            flops += 2.0 * sizes[l] * sizes[l + 1];
        }
        return flops * rows >= WORTH_FLOPS;
    }

    /**
     * The forward work (floating-point operations) from which waiting for a prediction's warm-up pays: measured with
     * the command line on 2 cores (engine-cpu/README.md, "The first epoch").
     */
    static final double WORTH_FLOPS = 1.5e8;

    /**
     * Waits until the warm-up has finished. A warm-up that failed is only a slower first epoch: its failure is
     * returned, not thrown, and the training that follows reports any real problem itself.
     *
     * @return the warm-up's failure, or null
     */
    public Throwable await() {
        if (thread == null) {
            return null;
        }

        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return failure;
    }

    /** Stops the warm-up at its next epoch's end and waits for it. */
    @Override
    public void close() {
        cancelled.set(true);
        await();
    }

    private void run(Engine engine, Mlp model, TrainingConfig config, boolean byteFeatures) {
        train(engine, standIn(model, engine), config, standInBatch(config.batchSize()), STEPS_PER_EPOCH, STEPS / STEPS_PER_EPOCH,
                byteFeatures);
    }

    /** The stand-in's forward pass on a chunk's stand-in rows, as {@link Network#predict} runs it. */
    private void predict(Engine engine, Mlp model, boolean byteFeatures) {
        Mlp standIn = standIn(model, engine);
        int rows = standInBatch(Network.PREDICT_CHUNK);
        SplittableRandom random = new SplittableRandom(13);
        byte[] bytes = byteFeatures ? madeUpBytes(random, rows * standIn.inputs()) : null;
        float[] x = byteFeatures ? null : madeUpFeatures(random, rows * standIn.inputs()), y = new float[rows * standIn.outputs()];
        try (Predictor p = standIn.predictor(engine)) {
            for (int i = 0; i < PASSES && !cancelled.get(); i++) {
                if (byteFeatures) {
                    p.predict(bytes, 255f, y);
                } else {
                    p.predict(x, y);
                }
            }
        }
    }

    /**
     * The stand-in batch: a small one with the same remainder modulo 12 as the real one (12 rows is the cpu engine's
     * largest row tile, a multiple of the others), so that its products meet the same row tiles and edges.
     */
    static int standInBatch(int batch) {
        return batch <= 24 ? batch : 12 + batch % 12;
    }

    /**
     * A stand-in layer width: the width itself up to 64; above, a small one with the same remainder modulo 96 (a
     * multiple of the cpu engine's 12-row tiles and of its 2 × 16-lane column panels, so the products meet the same
     * tiles and edges), above 16 (one vector wide only where the real width is), and above the engine's
     * {@linkplain Engine#gemmDepthBlock() depth block} where the real one is (the cpu engine's block of k: a later
     * block accumulates into C through its own branch, which code compiled without it would leave to a
     * deoptimisation in the first epoch).
     *
     * @param width      the real layer's width
     * @param depthBlock the engine's {@link Engine#gemmDepthBlock()}, or 0
     */
    static int narrowWidth(int width, int depthBlock) {
        if (width <= 64) {
            return width;
        }
        int w = width % 96 > 16 ? width % 96 : width % 96 + 96;
        while (width > depthBlock && w <= depthBlock) {
            w += 96;
        }
        return w;
    }

    /** {@code n} made-up feature values, uniform in [0, 1), for the stand-in's rows. */
    private static float[] madeUpFeatures(SplittableRandom random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextDouble();
        }
        return x;
    }

    /** {@code n} made-up feature bytes, uniform over 0..255, for the stand-in's rows when the real ones are bytes. */
    private static byte[] madeUpBytes(SplittableRandom random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static Mlp standIn(Mlp model, Engine engine) {
        int[] sizes = model.sizes();
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = narrowWidth(sizes[i], engine.gemmDepthBlock());
        }
        Mlp.Builder b = Mlp.builder(sizes[0]).loss(model.loss(), model.lossParameter()).seed(7);
        for (int l = 0; l < model.depth(); l++) {
            b.dense(sizes[l + 1], model.activation(l)).normalization(model.normalization(l));
            if (model.dropout(l) > 0) {
                b.dropout(model.dropout(l));
            }
        }
        return b.build();
    }

    private void train(Engine engine, Mlp mlp, TrainingConfig config, int batch, int stepsPerEpoch, int epochs, boolean byteFeatures) {
        if (cancelled.get()) {
            return;
        }
        int rows = batch * stepsPerEpoch;
        int in = mlp.inputs();
        int out = mlp.outputs();
        SplittableRandom random = new SplittableRandom(11);
        byte[] bytes = byteFeatures ? madeUpBytes(random, rows * in) : null;
        float[] x = byteFeatures ? null : madeUpFeatures(random, rows * in);
        float[] y = new float[rows * out];
        for (int r = 0; r < rows; r++) {
            switch (mlp.loss()) {
                case SOFTMAX_CROSS_ENTROPY -> y[r * out + random.nextInt(out)] = 1f;
                case BINARY_CROSS_ENTROPY -> {
                    for (int j = 0; j < out; j++) {
                        y[r * out + j] = random.nextBoolean() ? 1f : 0f;
                    }
                }
                case MSE, L1, HUBER -> {
                    for (int j = 0; j < out; j++) {
                        y[r * out + j] = (float) (2 * random.nextDouble() - 1);
                    }
                }
            }
        }
        TrainingConfig.Builder cfg = TrainingConfig.builder().optimizer(config.optimizer).weightDecay(config.weightDecay)
                .clipGradientNorm(config.clipNorm).batchSize(batch).maxEpochs(epochs).seed(3).standardize(false)
                .standardizeTargets(false).divergenceBound(Double.MAX_VALUE)
                .listener(new TrainingListener() {
                    @Override
                    public void onEpochEnd(EpochContext c) {
                        if (cancelled.get()) {
                            c.stop("warm-up cancelled");
                        }
                    }
                });
        try {
            Samples data = byteFeatures ? new ByteDataset(rows, in, out, bytes, 255f, y) : new Dataset(rows, in, out, x, y);
            new Trainer(engine, cfg.build()).fit(mlp, data);
        } catch (TrainingDivergedException e) {
            // Made-up data may diverge; the kernels ran all the same.
        }
    }
}
