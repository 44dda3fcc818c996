package delta4j.cpu;

import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.Loss;
import delta4j.engine.Tensor;
import delta4j.model.Mlp;
import delta4j.model.Network;
import delta4j.model.Parameter;
import delta4j.model.Predictor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import static delta4j.conformance.AllocatedBytes.allocatedBytes;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Once C2 has compiled the kernels, a training step allocates nothing on the calling thread. Vector API
 * code allocates only where C2 failed to turn a vector operation into instructions (a method it did not
 * inline, a compile past its node budget): every such operation then boxes its vectors, so this test is
 * also the guard that each kernel is really compiled to vector code. It trains a 512-512-10 layer pair
 * (ReLU, softmax cross-entropy, sigmoid, tanh, GELU and SiLU passes, MSE output, Adam) in rounds, and passes as soon as
 * one round allocates less than {@link #MAX_BYTES_PER_CALL} per kernel call; compilation can take a while
 * on a loaded machine, hence rounds rather than a fixed warm-up.
 */
class SteadyStateAllocationTest {

    /** The allocation counter itself allocates a little; one boxed vector per call would be about 100 bytes. */
    private static final double MAX_BYTES_PER_CALL = 16;
    private static final int STEPS_PER_ROUND = 200;
    private static final long GIVE_UP_NANOS = 120_000_000_000L;

    private static final String[] KERNELS = {"gemm A·W", "biasActivation relu", "gemm A·W narrow",
            "biasActivation softmax", "outputDelta softmax-CE", "gemm Aᵀ·Δ narrow", "gemm Δ·Wᵀ", "activationBackward relu",
            "gemm Aᵀ·Δ", "columnSum", "adamStep", "biasActivation sigmoid", "biasActivation tanh", "outputDelta MSE",
            "biasActivation gelu", "activationBackward gelu", "biasActivation silu", "activationBackward silu", "outputDelta MSE gelu"};

    @ParameterizedTest(name = "{0} thread(s)")
    @ValueSource(ints = {1, 2})
    void aTrainingStepAllocatesNothingOnceCompiled(int threads) {
        SplittableRandom rnd = new SplittableRandom(1);
        try (CpuEngine e = new CpuEngine(EngineConfig.defaults().withThreads(threads));
             Tensor x = e.tensor(256, 512, random(rnd, 256 * 512)); Tensor w = e.tensor(512, 512, random(rnd, 512 * 512));
             Tensor b = e.allocate(1, 512); Tensor z = e.allocate(256, 512); Tensor h = e.allocate(256, 512);
             Tensor w3 = e.tensor(512, 10, random(rnd, 5120)); Tensor b3 = e.allocate(1, 10);
             Tensor z3 = e.allocate(256, 10); Tensor y = e.allocate(256, 10); Tensor t = e.allocate(256, 10);
             Tensor d3 = e.allocate(256, 10); Tensor loss = e.allocate(1, 2); Tensor g = e.allocate(256, 512);
             Tensor dw = e.allocate(512, 512); Tensor dw3 = e.allocate(512, 10); Tensor db = e.allocate(1, 512);
             Tensor m = e.allocate(512, 512); Tensor v = e.allocate(512, 512); Tensor dm = e.allocate(256, 512)) {
            e.fill(t, 0.1f);
            long[] bytes = new long[KERNELS.length];
            long[] mark = new long[KERNELS.length + 1];
            long start = System.nanoTime();
            int step = 0;
            while (true) {
                java.util.Arrays.fill(bytes, 0);
                for (int s = 0; s < STEPS_PER_ROUND; s++) {
                    step++;
                    int q = 0;
                    mark[q++] = allocatedBytes();
                    e.gemm(false, false, 1f, x, w, 0f, z);
                    mark[q++] = allocatedBytes();
                    e.biasActivation(z, b, Activation.RELU, h);
                    mark[q++] = allocatedBytes();
                    e.gemm(false, false, 1f, h, w3, 0f, z3);
                    mark[q++] = allocatedBytes();
                    e.biasActivation(z3, b3, Activation.SOFTMAX, y);
                    mark[q++] = allocatedBytes();
                    e.outputDelta(Loss.SOFTMAX_CROSS_ENTROPY, Activation.SOFTMAX, z3, y, t, d3, loss, 0);
                    mark[q++] = allocatedBytes();
                    e.gemm(true, false, 1f / 256, h, d3, 0f, dw3);
                    mark[q++] = allocatedBytes();
                    e.gemm(false, true, 1f, d3, w3, 0f, g);
                    mark[q++] = allocatedBytes();
                    e.activationBackward(g, z, h, Activation.RELU, g);
                    mark[q++] = allocatedBytes();
                    e.gemm(true, false, 1f / 256, x, g, 0f, dw);
                    mark[q++] = allocatedBytes();
                    e.columnSum(1f / 256, g, db);
                    mark[q++] = allocatedBytes();
                    e.adamStep(w, dw, m, v, 1e-6f, 0.9f, 0.999f, 1e-8f, 0f, false, step);
                    mark[q++] = allocatedBytes();
                    e.biasActivation(z, b, Activation.SIGMOID, g);
                    mark[q++] = allocatedBytes();
                    e.biasActivation(z, b, Activation.TANH, g);
                    mark[q++] = allocatedBytes();
                    e.outputDelta(Loss.MSE, Activation.SIGMOID, z, g, h, dm, loss, 1);
                    mark[q++] = allocatedBytes();
                    e.biasActivation(z, b, Activation.GELU, g);
                    mark[q++] = allocatedBytes();
                    e.activationBackward(dm, z, g, Activation.GELU, dm);
                    mark[q++] = allocatedBytes();
                    e.biasActivation(z, b, Activation.SILU, g);
                    mark[q++] = allocatedBytes();
                    e.activationBackward(dm, z, g, Activation.SILU, dm);
                    mark[q++] = allocatedBytes();
                    e.outputDelta(Loss.MSE, Activation.GELU, z, g, h, dm, loss, 1);
                    mark[q] = allocatedBytes();
                    for (int k = 0; k < KERNELS.length; k++) {
                        bytes[k] += mark[k + 1] - mark[k];
                    }
                }
                if (settled("a training step still allocates", KERNELS, bytes, step, start)) {
                    return;
                }
            }
        }
    }

    private static final String[] LAYER_KERNELS = {"batchNorm", "biasActivation relu", "dropout", "dropout backward",
            "batchNormBackward", "layerNorm", "layerNormBackward", "batchNormInference", "outputDelta L1",
            "outputDelta Huber", "outputDelta BCE"};

    /**
     * The same for the kernels of normalised layers with dropout and the L1, Huber and binary cross-entropy losses,
     * called through the jobs as CpuEngine calls them once EngineBase has checked the arguments, so that the count
     * is the kernels' alone.
     */
    @ParameterizedTest(name = "{0} thread(s)")
    @ValueSource(ints = {1, 2})
    void layerKernelsAllocateNothingOnceCompiled(int threads) {
        SplittableRandom rnd = new SplittableRandom(4);
        int rows = 256, n = 512, size = rows * n;
        float[] x = random(rnd, size), z = new float[size], h = new float[size], xhat = new float[size];
        float[] g = random(rnd, size), gamma = random(rnd, n), b = new float[n], mean = new float[n], var = new float[n];
        float[] rstd = new float[n], rstdRows = new float[rows], dgamma = new float[n];
        float[] z3 = random(rnd, rows * 10), y = random(rnd, rows * 10), t = random(rnd, rows * 10), d3 = new float[rows * 10];
        java.util.Arrays.fill(var, 1f);
        int threshold = delta4j.engine.DropoutMask.threshold(0.2f);
        float scale = delta4j.engine.DropoutMask.scale(0.2f);
        try (WorkerPool pool = new WorkerPool(threads)) {
            ElementwiseJobs jobs = new ElementwiseJobs(pool);
            long[] bytes = new long[LAYER_KERNELS.length];
            long[] mark = new long[LAYER_KERNELS.length + 1];
            long start = System.nanoTime();
            int step = 0;
            while (true) {
                java.util.Arrays.fill(bytes, 0);
                for (int s = 0; s < STEPS_PER_ROUND; s++) {
                    step++;
                    long key = delta4j.engine.DropoutMask.key(1, 0, step, 0);
                    int q = 0;
                    System.arraycopy(x, 0, z, 0, size);
                    mark[q++] = allocatedBytes();
                    jobs.batchNorm.apply(z, gamma, 1e-5f, 0.1f, mean, var, xhat, rstd, z, rows, n);
                    mark[q++] = allocatedBytes();
                    jobs.biasActivation.apply(z, b, Activation.RELU, h, rows, n);
                    mark[q++] = allocatedBytes();
                    jobs.dropout.apply(h, key, threshold, scale, h, size);
                    mark[q++] = allocatedBytes();
                    jobs.dropout.apply(g, key, threshold, scale, z, size);
                    mark[q++] = allocatedBytes();
                    jobs.batchNormBackward.apply(z, xhat, rstd, gamma, 1f / rows, z, dgamma, rows, n);
                    mark[q++] = allocatedBytes();
                    jobs.layerNorm.apply(x, gamma, 1e-5f, xhat, rstdRows, z, rows, n);
                    mark[q++] = allocatedBytes();
                    jobs.layerNormBackward.apply(g, xhat, rstdRows, gamma, 1f / rows, z, dgamma, rows, n);
                    mark[q++] = allocatedBytes();
                    jobs.batchNormInference.apply(x, gamma, 1e-5f, mean, var, z, rows, n);
                    mark[q++] = allocatedBytes();
                    jobs.outputL1.apply(y, t, d3, rows * 10);
                    mark[q++] = allocatedBytes();
                    jobs.outputHuber.apply(0.5f, y, t, d3, rows * 10);
                    mark[q++] = allocatedBytes();
                    jobs.outputBinaryCrossEntropy.apply(z3, y, t, d3, rows * 10);
                    mark[q] = allocatedBytes();
                    for (int k = 0; k < LAYER_KERNELS.length; k++) {
                        bytes[k] += mark[k + 1] - mark[k];
                    }
                }
                if (settled("the layer kernels still allocate", LAYER_KERNELS, bytes, step, start)) {
                    return;
                }
            }
        }
    }

    /** What a server calls: a predictor's allocation-free form, on one row and on a batch of 256. */
    @ParameterizedTest(name = "{0} thread(s)")
    @ValueSource(ints = {1, 2})
    void aPredictionAllocatesNothingOnceCompiled(int threads) {
        SplittableRandom rnd = new SplittableRandom(2);
        Mlp mlp = Mlp.builder(784).dense(256, Activation.RELU).dense(128, Activation.RELU).dense(10, Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(3).build();
        float[] one = random(rnd, 784), batch = random(rnd, 256 * 784);
        float[] outOne = new float[10], outBatch = new float[256 * 10];
        long start = System.nanoTime();
        try (CpuEngine e = new CpuEngine(EngineConfig.defaults().withThreads(threads)); Predictor p = mlp.predictor(e)) {
            int calls = 0;
            while (true) {
                long before = allocatedBytes();
                for (int i = 0; i < 50; i++) {
                    p.predict(one, outOne);
                    p.predict(batch, outBatch);
                }
                calls += 100;
                double perCall = (double) (allocatedBytes() - before) / 100;
                if (perCall < MAX_BYTES_PER_CALL) {
                    return;
                }
                if (System.nanoTime() - start > GIVE_UP_NANOS) {
                    fail(String.format(Locale.ROOT, "after %d predictions a prediction still allocates %.0f bytes per call", calls, perCall));
                }
            }
        }
    }

    /**
     * A whole training step of a network with batch norm, layer norm and dropout (trainingForward, backward, Adam on
     * every parameter) through the engine's public methods, argument checks included.
     */
    @ParameterizedTest(name = "{0} thread(s)")
    @ValueSource(ints = {1, 2})
    void aNormalisedDropoutTrainingStepAllocatesNothingOnceCompiled(int threads) {
        SplittableRandom rnd = new SplittableRandom(4);
        Mlp mlp = Mlp.builder(64).dense(128, Activation.RELU).batchNorm().dropout(0.2).dense(96, Activation.TANH).layerNorm()
                .dropout(0.1).dense(10, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(3).build();
        long start = System.nanoTime();
        try (CpuEngine e = new CpuEngine(EngineConfig.defaults().withThreads(threads)); Network net = mlp.bind(e)) {
            Network.Workspace ws = net.workspace(128);
            System.arraycopy(random(rnd, 128 * 64), 0, ws.hostInput(), 0, 128 * 64);
            for (int i = 0; i < 128; i++) {
                ws.hostTarget()[i * 10 + i % 10] = 1f;
            }
            net.upload(ws, true);
            List<Parameter> params = net.parameters();
            List<Tensor[]> moments = new ArrayList<>();
            for (Parameter p : params) {
                moments.add(new Tensor[] {net.allocate(p.value().rows(), p.value().cols()), net.allocate(p.value().rows(), p.value().cols())});
            }
            Tensor loss = net.allocate(1, 1);
            int step = 0;
            while (true) {
                long before = allocatedBytes();
                for (int s = 0; s < STEPS_PER_ROUND; s++) {
                    step++;
                    net.trainingForward(ws, 7, 0, step);
                    net.backward(ws, loss, 0, 1f / 128);
                    for (int k = 0; k < params.size(); k++) {
                        Parameter p = params.get(k);
                        e.adamStep(p.value(), p.gradient(), moments.get(k)[0], moments.get(k)[1], 1e-6f, 0.9f, 0.999f, 1e-8f, 0f,
                                false, step);
                    }
                }
                double perStep = (double) (allocatedBytes() - before) / STEPS_PER_ROUND;
                if (perStep < MAX_BYTES_PER_CALL) {
                    return;
                }
                if (System.nanoTime() - start > GIVE_UP_NANOS) {
                    fail(String.format(Locale.ROOT, "after %d steps a training step with batch norm, layer norm and dropout still "
                            + "allocates %.0f bytes", step, perStep));
                }
            }
        }
    }

    /**
     * Whether the round's kernel calls ({@code bytes[k]} over {@link #STEPS_PER_ROUND} calls of {@code kernels[k]})
     * allocated under {@link #MAX_BYTES_PER_CALL} each on average; fails, naming every kernel's bytes per call, once
     * the rounds have run past {@link #GIVE_UP_NANOS}.
     */
    private static boolean settled(String what, String[] kernels, long[] bytes, int step, long start) {
        double perCall = (double) java.util.Arrays.stream(bytes).sum() / (STEPS_PER_ROUND * kernels.length);
        if (perCall < MAX_BYTES_PER_CALL) {
            return true;
        }
        if (System.nanoTime() - start > GIVE_UP_NANOS) {
            StringBuilder why = new StringBuilder(String.format(Locale.ROOT,
                    "after %d steps %s %.0f bytes per kernel call:", step, what, perCall));
            for (int k = 0; k < kernels.length; k++) {
                why.append(String.format(Locale.ROOT, "%n  %-24s %8.0f bytes/call", kernels[k], (double) bytes[k] / STEPS_PER_ROUND));
            }
            fail(why.toString());
        }
        return false;
    }

    private static float[] random(SplittableRandom rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (rnd.nextDouble() - 0.5);
        }
        return x;
    }
}
