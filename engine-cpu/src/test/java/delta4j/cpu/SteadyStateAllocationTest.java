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

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import static delta4j.conformance.AllocatedBytes.allocatedBytes;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Once C2 has compiled the kernels, a training step allocates nothing on the calling thread. Vector API
 * code allocates only where C2 failed to turn a vector operation into instructions (a method it did not
 * inline, a compile past its node budget): every such operation then boxes its vectors, so this test is
 * also the guard that each kernel is really compiled to vector code. It gathers a batch from a data set
 * ({@code uploadRows}, of floats and of bytes) and trains a 512-512-10 layer pair
 * (ReLU, softmax cross-entropy, sigmoid, tanh, GELU and SiLU passes, MSE output, Adam) in rounds, and passes as soon as
 * one round allocates less than {@link #MAX_BYTES_PER_CALL} per kernel call; compilation can take a while
 * on a loaded machine, hence rounds rather than a fixed warm-up.
 */
class SteadyStateAllocationTest {

    /** The allocation counter itself allocates a little; one boxed vector per call would be about 100 bytes. */
    private static final double MAX_BYTES_PER_CALL = 16;
    private static final int STEPS_PER_ROUND = 200;
    private static final long GIVE_UP_NANOS = 120_000_000_000L;

    private static final String[] KERNELS = {"uploadRows", "uploadRows bytes", "gemm A·W", "biasActivation relu", "gemm A·W narrow",
            "biasActivation softmax", "outputDelta softmax-CE", "gemm Aᵀ·Δ narrow", "gemm Δ·Wᵀ", "activationBackward relu",
            "gemm Aᵀ·Δ", "columnSum", "backwardProducts", "adamStep", "adamSteps", "biasActivation sigmoid", "biasActivation tanh", "outputDelta MSE",
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
             Tensor m = e.allocate(512, 512); Tensor v = e.allocate(512, 512); Tensor dm = e.allocate(256, 512);
             Tensor m2 = e.allocate(512, 512); Tensor v2 = e.allocate(512, 512); Tensor m3 = e.allocate(512, 10); Tensor v3 = e.allocate(512, 10);
             Tensor mb = e.allocate(1, 512); Tensor vb = e.allocate(1, 512)) {
            e.fill(t, 0.1f);
            // A model's optimizer step: its parameters as one group, the arrays built once as OptimizerState builds them.
            Tensor[] params = {w, b, w3}, grads = {dw, db, dw3}, firsts = {m2, mb, m3}, seconds = {v2, vb, v3};
            float[] decays = {0.01f, 0f, 0.01f};
            float[] samples = random(rnd, 1024 * 512);
            byte[] pixels = new byte[1024 * 512];
            rnd.nextBytes(pixels);
            int[] order = delta4j.data.Dataset.permutation(1024, rnd);
            KernelMeter meter = new KernelMeter(KERNELS);
            do {
                for (int s = 0; s < STEPS_PER_ROUND; s++) {
                    int step = meter.beginStep();
                    meter.mark();
                    e.uploadRows(samples, order, (s % 4) * 256, x);
                    meter.mark();
                    e.uploadRows(pixels, 255f, order, (s % 4) * 256, x);
                    meter.mark();
                    e.gemm(false, false, 1f, x, w, 0f, z);
                    meter.mark();
                    e.biasActivation(z, b, Activation.RELU, h);
                    meter.mark();
                    e.gemm(false, false, 1f, h, w3, 0f, z3);
                    meter.mark();
                    e.biasActivation(z3, b3, Activation.SOFTMAX, y);
                    meter.mark();
                    e.outputDelta(Loss.SOFTMAX_CROSS_ENTROPY, Activation.SOFTMAX, z3, y, t, d3, loss, 0);
                    meter.mark();
                    e.gemm(true, false, 1f / 256, h, d3, 0f, dw3);
                    meter.mark();
                    e.gemm(false, true, 1f, d3, w3, 0f, g);
                    meter.mark();
                    e.activationBackward(g, z, h, Activation.RELU, g);
                    meter.mark();
                    e.gemm(true, false, 1f / 256, x, g, 0f, dw);
                    meter.mark();
                    e.columnSum(1f / 256, g, db);
                    meter.mark();
                    e.backwardProducts(1f / 256, x, g, w, dw, dm); // dm is overwritten below
                    meter.mark();
                    e.adamStep(w, dw, m, v, 1e-6f, 0.9f, 0.999f, 1e-8f, 0f, false, step);
                    meter.mark();
                    e.adamSteps(params, grads, firsts, seconds, 1e-6f, 0.9f, 0.999f, 1e-8f, decays, true, step);
                    meter.mark();
                    e.biasActivation(z, b, Activation.SIGMOID, g);
                    meter.mark();
                    e.biasActivation(z, b, Activation.TANH, g);
                    meter.mark();
                    e.outputDelta(Loss.MSE, Activation.SIGMOID, z, g, h, dm, loss, 1);
                    meter.mark();
                    e.biasActivation(z, b, Activation.GELU, g);
                    meter.mark();
                    e.activationBackward(dm, z, g, Activation.GELU, dm);
                    meter.mark();
                    e.biasActivation(z, b, Activation.SILU, g);
                    meter.mark();
                    e.activationBackward(dm, z, g, Activation.SILU, dm);
                    meter.mark();
                    e.outputDelta(Loss.MSE, Activation.GELU, z, g, h, dm, loss, 1);
                    meter.endStep();
                }
            } while (!meter.settled("a training step still allocates"));
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
            KernelMeter meter = new KernelMeter(LAYER_KERNELS);
            do {
                for (int s = 0; s < STEPS_PER_ROUND; s++) {
                    long key = delta4j.engine.DropoutMask.key(1, 0, meter.beginStep(), 0);
                    System.arraycopy(x, 0, z, 0, size);
                    meter.mark();
                    jobs.batchNorm.apply(z, gamma, 1e-5f, 0.1f, mean, var, xhat, rstd, z, rows, n);
                    meter.mark();
                    jobs.biasActivation.apply(z, b, Activation.RELU, h, rows, n);
                    meter.mark();
                    jobs.dropout.apply(h, key, threshold, scale, h, size);
                    meter.mark();
                    jobs.dropout.apply(g, key, threshold, scale, z, size);
                    meter.mark();
                    jobs.batchNormBackward.apply(z, xhat, rstd, gamma, 1f / rows, z, dgamma, rows, n);
                    meter.mark();
                    jobs.layerNorm.apply(x, gamma, 1e-5f, xhat, rstdRows, z, rows, n);
                    meter.mark();
                    jobs.layerNormBackward.apply(g, xhat, rstdRows, gamma, 1f / rows, z, dgamma, rows, n);
                    meter.mark();
                    jobs.batchNormInference.apply(x, gamma, 1e-5f, mean, var, z, rows, n);
                    meter.mark();
                    jobs.outputL1.apply(y, t, d3, rows * 10);
                    meter.mark();
                    jobs.outputHuber.apply(0.5f, y, t, d3, rows * 10);
                    meter.mark();
                    jobs.outputBinaryCrossEntropy.apply(z3, y, t, d3, rows * 10);
                    meter.endStep();
                }
            } while (!meter.settled("the layer kernels still allocate"));
        }
    }

    /** What a server calls: a predictor's allocation-free forms, on one row and on a batch of 256, of floats and of bytes. */
    @ParameterizedTest(name = "{0} thread(s)")
    @ValueSource(ints = {1, 2})
    void aPredictionAllocatesNothingOnceCompiled(int threads) {
        SplittableRandom rnd = new SplittableRandom(2);
        Mlp mlp = Mlp.builder(784).dense(256, Activation.RELU).dense(128, Activation.RELU).dense(10, Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(3).build();
        float[] one = random(rnd, 784), batch = random(rnd, 256 * 784);
        float[] outOne = new float[10], outBatch = new float[256 * 10];
        byte[] pixels = new byte[256 * 784];
        rnd.nextBytes(pixels);
        long start = System.nanoTime();
        try (CpuEngine e = new CpuEngine(EngineConfig.defaults().withThreads(threads)); Predictor p = mlp.predictor(e)) {
            int calls = 0;
            while (true) {
                long before = allocatedBytes();
                for (int i = 0; i < 50; i++) {
                    p.predict(one, outOne);
                    p.predict(batch, outBatch);
                    p.predict(pixels, 255f, outBatch);
                }
                calls += 150;
                double perCall = (double) (allocatedBytes() - before) / 150;
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
            // The optimizer step as the trainer takes it: every parameter in one adamSteps call, the group built once.
            int n = params.size();
            Tensor[] values = new Tensor[n], grads = new Tensor[n], firsts = new Tensor[n], seconds = new Tensor[n];
            for (int k = 0; k < n; k++) {
                Parameter p = params.get(k);
                values[k] = p.value();
                grads[k] = p.gradient();
                firsts[k] = net.allocate(p.value().rows(), p.value().cols());
                seconds[k] = net.allocate(p.value().rows(), p.value().cols());
            }
            float[] decays = new float[n];
            Tensor loss = net.allocate(1, 1);
            int step = 0;
            while (true) {
                long before = allocatedBytes();
                for (int s = 0; s < STEPS_PER_ROUND; s++) {
                    step++;
                    net.trainingForward(ws, 7, 0, step);
                    net.backward(ws, loss, 0, 1f / 128);
                    e.adamSteps(values, grads, firsts, seconds, 1e-6f, 0.9f, 0.999f, 1e-8f, decays, false, step);
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
     * The bytes each kernel call of a step allocates, summed over a round of {@link #STEPS_PER_ROUND} steps: a step reads
     * the counter before its first call and after each ({@link #mark}, {@link #endStep}), so a call's bytes are its own
     * and not those of the set-up between the calls.
     */
    private static final class KernelMeter {
        private final String[] kernels;
        private final long[] bytes;
        private final long[] marks;
        private final long start = System.nanoTime();
        private int steps;
        private int q;

        KernelMeter(String[] kernels) {
            this.kernels = kernels;
            this.bytes = new long[kernels.length];
            this.marks = new long[kernels.length + 1];
        }

        /** {@return the number of the step that begins, from 1} */
        int beginStep() {
            q = 0;
            return ++steps;
        }

        /** Reads the counter before the step's first kernel call and after each call but the last. */
        void mark() {
            marks[q++] = allocatedBytes();
        }

        /** Reads the counter after the step's last call and adds the step's calls to the round. */
        void endStep() {
            marks[q] = allocatedBytes();
            for (int k = 0; k < kernels.length; k++) {
                bytes[k] += marks[k + 1] - marks[k];
            }
        }

        /** Ends a round: whether it {@link SteadyStateAllocationTest#settled settled}; the next round counts from zero. */
        boolean settled(String what) {
            boolean settled = SteadyStateAllocationTest.settled(what, kernels, bytes, steps, start);
            java.util.Arrays.fill(bytes, 0);
            return settled;
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
