package delta4j.model;

import delta4j.data.Dataset;
import delta4j.engine.Engine;
import delta4j.engine.Loss;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Trains a throw-away stand-in of a model on made-up data, on the engine that will train the model, so that the JIT
 * has compiled the engine's kernels before the first real epoch. Started in the background while the data loads
 * ({@link #start}), it is waited for before the real training ({@link #await}); it touches neither the model nor the
 * data, and the engine's kernels give the same bits in every JIT tier, so the trained weights are the same with or
 * without it.
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

    /** Steps of the stand-in: enough calls of every kernel for C2's method (not loop) thresholds. */
    static final int STEPS = 600;
    /** Steps per epoch of the stand-in; cancelling takes effect between its epochs. */
    private static final int STEPS_PER_EPOCH = 50;

    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final Thread thread;
    private volatile Throwable failure;

    private Prewarm(Engine engine, Mlp model, TrainingConfig config) {
        thread = engine == null ? null : Thread.ofPlatform().daemon().name("delta4j-prewarm").unstarted(() -> {
            try {
                run(engine, model, config);
            } catch (Throwable t) {
                failure = t;
            }
        });
    }

    /** {@return a warm-up that does nothing, for engines whose kernels the JVM does not compile} */
    public static Prewarm none() {
        return new Prewarm(null, null, null);
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
        Prewarm p = new Prewarm(engine, model, config);
        p.thread.start();
        return p;
    }

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

    private void run(Engine engine, Mlp model, TrainingConfig config) {
        int batch = standInBatch(config.batchSize());
        int[] sizes = model.sizes();
        int[] narrow = new int[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            narrow[i] = narrowWidth(sizes[i]);
        }
        train(engine, standIn(model, narrow), config, batch, STEPS_PER_EPOCH, STEPS / STEPS_PER_EPOCH);
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
     * multiple of the 12-row tiles and of the 2 × 16-lane column panels, so the products meet the same tiles and edges),
     * above 16 (one vector wide only where the real width is), and above 256 where the real one is (the cpu engine's
     * block of k: a later block accumulates into C through its own branch).
     */
    static int narrowWidth(int width) {
        if (width <= 64) {
            return width;
        }
        int w = width % 96 > 16 ? width % 96 : width % 96 + 96;
        while (width > 256 && w <= 256) {
            w += 96;
        }
        return w;
    }

    private static Mlp standIn(Mlp model, int[] sizes) {
        Mlp.Builder b = Mlp.builder(sizes[0]).loss(model.loss(), model.lossParameter()).seed(7);
        for (int l = 0; l < model.depth(); l++) {
            b.dense(sizes[l + 1], model.activation(l)).normalization(model.normalization(l));
            if (model.dropout(l) > 0) {
                b.dropout(model.dropout(l));
            }
        }
        return b.build();
    }

    private void train(Engine engine, Mlp mlp, TrainingConfig config, int batch, int stepsPerEpoch, int epochs) {
        if (cancelled.get()) {
            return;
        }
        int rows = batch * stepsPerEpoch;
        int in = mlp.inputs();
        int out = mlp.outputs();
        SplittableRandom random = new SplittableRandom(11);
        float[] x = new float[rows * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble();
        }
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
            new Trainer(engine, cfg.build()).fit(mlp, new Dataset(rows, in, out, x, y));
        } catch (TrainingDivergedException e) {
            // Made-up data may diverge; the kernels ran all the same.
        }
    }
}
