package delta4j.cpu;

import delta4j.engine.Activation;
import delta4j.engine.ArrayEngine;
import delta4j.engine.DropoutMask;
import delta4j.engine.EngineBase;
import delta4j.engine.EngineConfig;
import delta4j.engine.Loss;
import delta4j.engine.Precision;
import delta4j.engine.Tensor;

/**
 * The cpu engine: the kernel set in the Java Vector API on the machine's preferred vector species,
 * multi-threaded over a worker pool created once per engine.
 *
 * <p>Tensors are Java float arrays; every kernel runs synchronously on the calling thread and the pool's
 * workers, so {@link #finish()} has nothing to wait for. GEMM is {@link Gemm} (packed, cache-blocked,
 * register-tiled) and {@link GemmNarrow} for output layers; the element-wise kernels are fused single passes
 * ({@link Elementwise}, {@link Reductions}, {@link Optimizers}), and so are the layers' extras ({@link Dropout},
 * {@link Normalization}). In steady state no kernel allocates.
 *
 * <p>Create it with {@code Engines.create("cpu")} or {@code Engines.create("cpu", config)}; the JVM needs
 * {@code --add-modules jdk.incubator.vector} when delta4j is on the class path. Argument checks, ownership,
 * locking and the closed state are {@link EngineBase}'s; its heap tensors, {@link ArrayEngine}'s.
 */
public final class CpuEngine extends ArrayEngine {

    private final int threads;
    private final WorkerPool pool;
    private final Precision precision;
    private final Gemm gemm;
    private final ElementwiseJobs jobs;
    private final String device;

    /**
     * Creates an engine with {@code config.resolvedThreads()} threads (the caller's included).
     *
     * @param config the thread count; the device selector does not apply to this engine
     * @throws delta4j.engine.EngineUnavailableException if the JVM lacks the jdk.incubator.vector module
     */
    public CpuEngine(EngineConfig config) {
        CpuEngineProvider.requireVectorModule();
        GemmBlocking.requireValidOverrides();
        this.threads = config.resolvedThreads();
        this.pool = new WorkerPool(threads);
        this.precision = config.precision();
        this.gemm = new Gemm(pool, precision);
        this.jobs = new ElementwiseJobs(pool);
        this.device = describe(threads);
    }

    /**
     * The device line of an engine with {@code threads} threads, e.g. "2 threads, AVX-512 (16 float lanes); gemm
     * 512-bit 12×32 tile, ...": the vector width and the GEMM's per-CPU choice. The provider's availability line is the
     * same, so that {@code delta4j devices} and the benchmark report show what an engine will say.
     */
    static String describe(int threads) {
        return threads + (threads == 1 ? " thread, " : " threads, ") + Simd.describe() + "; " + GemmBlocking.MACHINE.describe();
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String device() {
        return device;
    }

    @Override
    public Precision precision() {
        return precision;
    }

    /** {@return the GEMM's k block, KC (engine-cpu/README.md, Per-CPU choices)} */
    @Override
    public int gemmDepthBlock() {
        return GemmLoopNest.KC;
    }

    /** {@return threads that run kernels, the caller's included} */
    public int threads() {
        return threads;
    }

    // Kernels are synchronous: finish() has nothing to wait for.

    @Override
    protected void releaseResources() {
        pool.close();
    }

    /** The mini-batch gather on the pool's threads (a batch of rows from all over the data set). */
    @Override
    protected void writeRows(float[] src, int[] rows, int from, Tensor dst) {
        jobs.uploadRows.apply(src, rows, from, data(dst), dst.rows(), dst.cols());
    }

    /** The byte gather, converting as it copies, on the pool's threads. */
    @Override
    protected void writeRows(byte[] src, float divisor, int[] rows, int from, Tensor dst) {
        jobs.uploadByteRows.apply(src, divisor, rows, from, data(dst), dst.rows(), dst.cols());
    }

    // ---------------------------------------------------------------- the kernel set

    @Override
    protected void gemmKernel(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        int k = transA ? a.rows() : a.cols();
        gemm.gemm(transA, transB, c.rows(), c.cols(), k, alpha, data(a), data(b), beta, data(c));
    }

    @Override
    protected void backwardProductsKernel(float s, Tensor x, Tensor delta, Tensor w, Tensor dw, Tensor g) {
        gemm.backwardProducts(x.rows(), x.cols(), delta.cols(), s, data(x), data(delta), data(w), data(dw), data(g));
    }

    @Override
    protected void biasActivationKernel(Tensor zin, Tensor bias, Activation activation, Tensor a) {
        jobs.biasActivation.apply(data(zin), data(bias), activation, data(a), zin.rows(), zin.cols());
    }

    @Override
    protected void activationBackwardKernel(Tensor g, Tensor zin, Tensor a, Activation activation, Tensor delta) {
        jobs.activationBackward.apply(data(g), data(zin), data(a), activation, data(delta), (int) g.size());
    }

    @Override
    protected void outputDeltaKernel(Loss loss, float parameter, Activation activation, Tensor zin, Tensor a, Tensor target,
                                     Tensor delta, Tensor lossOut, int lossIndex) {
        double sum = switch (loss) {
            case MSE -> jobs.outputMse.apply(activation, data(zin), data(a), data(target), data(delta),
                    (int) zin.size());
            case L1 -> lossThenDerivative(jobs.outputL1.apply(data(a), data(target), data(delta), (int) zin.size()),
                    activation, zin, a, delta);
            case HUBER -> lossThenDerivative(jobs.outputHuber.apply(parameter, data(a), data(target), data(delta),
                    (int) zin.size()), activation, zin, a, delta);
            case SOFTMAX_CROSS_ENTROPY -> jobs.outputSoftmaxCrossEntropy.apply(data(zin), data(a), data(target),
                    data(delta), zin.rows(), zin.cols());
            case BINARY_CROSS_ENTROPY -> jobs.outputBinaryCrossEntropy.apply(data(zin), data(a), data(target),
                    data(delta), (int) zin.size());
        };
        data(lossOut)[lossIndex] = (float) sum;
    }

    /** Δ ← Δ ⊙ φ'(Zin, A) in place by the activationBackward job; returns {@code loss}. */
    private double lossThenDerivative(double loss, Activation activation, Tensor zin, Tensor a, Tensor delta) {
        jobs.activationBackward.apply(data(delta), data(zin), data(a), activation, data(delta), (int) delta.size());
        return loss;
    }

    @Override
    protected void dropoutKernel(Tensor x, float p, long key, Tensor y) {
        if (p == 0f) { // the mask keeps everything and the scale is 1: a copy, bit for bit
            if (x != y) {
                copyKernel(x, y);
            }
            return;
        }
        jobs.dropout.apply(data(x), key, DropoutMask.threshold(p), DropoutMask.scale(p), data(y), (int) x.size());
    }

    @Override
    protected void layerNormKernel(Tensor x, Tensor gamma, float epsilon, Tensor xhat, Tensor rstd, Tensor y) {
        jobs.layerNorm.apply(data(x), data(gamma), epsilon, data(xhat), data(rstd), data(y), x.rows(), x.cols());
    }

    @Override
    protected void layerNormBackwardKernel(Tensor dy, Tensor xhat, Tensor rstd, Tensor gamma, float alpha, Tensor dx,
                                           Tensor dgamma) {
        jobs.layerNormBackward.apply(data(dy), data(xhat), data(rstd), data(gamma), alpha, data(dx), data(dgamma),
                dy.rows(), dy.cols());
    }

    @Override
    protected void batchNormKernel(Tensor x, Tensor gamma, float epsilon, float momentum, Tensor runningMean,
                                   Tensor runningVar, Tensor xhat, Tensor rstd, Tensor y) {
        jobs.batchNorm.apply(data(x), data(gamma), epsilon, momentum, data(runningMean), data(runningVar), data(xhat),
                data(rstd), data(y), x.rows(), x.cols());
    }

    @Override
    protected void batchNormBackwardKernel(Tensor dy, Tensor xhat, Tensor rstd, Tensor gamma, float alpha, Tensor dx,
                                           Tensor dgamma) {
        jobs.batchNormBackward.apply(data(dy), data(xhat), data(rstd), data(gamma), alpha, data(dx), data(dgamma),
                dy.rows(), dy.cols());
    }

    @Override
    protected void batchNormInferenceKernel(Tensor x, Tensor gamma, float epsilon, Tensor runningMean, Tensor runningVar,
                                            Tensor y) {
        jobs.batchNormInference.apply(data(x), data(gamma), epsilon, data(runningMean), data(runningVar), data(y),
                x.rows(), x.cols());
    }

    @Override
    protected void columnSumKernel(float alpha, Tensor x, Tensor out) {
        jobs.columnSum.apply(alpha, data(x), data(out), x.rows(), x.cols());
    }

    @Override
    protected void sumOfSquaresKernel(Tensor x, Tensor out, int index) {
        data(out)[index] = (float) jobs.sumOfSquares.apply(data(x), (int) x.size());
    }

    @Override
    protected void scaleKernel(Tensor x, float alpha) {
        jobs.scale.apply(data(x), alpha, (int) x.size());
    }

    @Override
    protected void sgdStepKernel(Tensor param, Tensor grad, float learningRate, float weightDecay) {
        jobs.sgd.step(data(param), data(grad), learningRate, weightDecay, (int) param.size());
    }

    @Override
    protected void momentumStepKernel(Tensor param, Tensor grad, Tensor velocity, float learningRate, float momentum,
                                      float weightDecay, boolean nesterov) {
        jobs.momentum.step(data(param), data(grad), data(velocity), learningRate, momentum, weightDecay, nesterov,
                (int) param.size());
    }

    @Override
    protected void adamStepKernel(Tensor param, Tensor grad, Tensor m, Tensor v, float learningRate, float beta1, float beta2,
                                  float epsilon, float weightDecay, boolean decoupled, int step) {
        jobs.adam.step(data(param), data(grad), data(m), data(v), learningRate, beta1, beta2, epsilon, weightDecay,
                decoupled, biasCorrection(beta1, step), biasCorrection(beta2, step), (int) param.size());
    }

    /**
     * Adam's bias correction 1 − βᵗ, rounded to float once: one computation for adamStep and adamSteps, so that a tensor
     * gets the same bits in a group as in its own call.
     */
    private static float biasCorrection(float beta, int step) {
        return (float) (1 - Math.pow(beta, step));
    }

    @Override
    protected void adamStepsKernel(Tensor[] params, Tensor[] grads, Tensor[] m, Tensor[] v, float learningRate, float beta1, float beta2,
                                   float epsilon, float[] weightDecay, boolean decoupled, int step) {
        long total = 0;
        for (Tensor p : params) {
            total += p.size();
        }
        if (total > Integer.MAX_VALUE) { // one flat range of ints cannot index it: tensor by tensor, each split alone
            super.adamStepsKernel(params, grads, m, v, learningRate, beta1, beta2, epsilon, weightDecay, decoupled, step);
            return;
        }
        ElementwiseJobs.AdamGroup group = jobs.adamGroup.size(params.length);
        for (int i = 0; i < params.length; i++) {
            group.add(data(params[i]), data(grads[i]), data(m[i]), data(v[i]), weightDecay[i], (int) params[i].size(),
                    params[i].cols());
        }
        group.step(learningRate, beta1, beta2, epsilon, decoupled, biasCorrection(beta1, step), biasCorrection(beta2, step));
    }

    @Override
    public String toString() {
        return "CpuEngine[" + device + "]";
    }
}
