package delta4j.benchmarks;

import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.engine.Tensor;

import java.util.SplittableRandom;

/**
 * An MLP trained directly with an engine's kernels: ReLU hidden layers, a softmax output with cross-entropy,
 * Adam. It is the training step written out kernel by kernel, so the forward, backward and step benchmarks
 * measure an engine and nothing else: no model code sits between the benchmark and the kernels.
 *
 * <p>Per layer l (1-based in the comments, 0-based in the arrays):
 * forward {@code Zin[l] = A[l-1]·W[l]}, {@code A[l] = φ(Zin[l] + b[l])};
 * backward {@code Δ[L] = softmax − T}, {@code dW[l] = A[l-1]ᵀ·Δ[l]/N}, {@code db[l] = colsum(Δ[l])/N},
 * {@code Δ[l-1] = (Δ[l]·W[l]ᵀ) ⊙ relu'(Zin[l-1])}; then an Adam step on every W and b.
 * Nothing is allocated after construction.
 */
public final class KernelNet implements AutoCloseable {

    /** Adam's defaults, as PyTorch's (the peer) uses them. */
    static final float LEARNING_RATE = 1e-3f, BETA1 = 0.9f, BETA2 = 0.999f, EPSILON = 1e-8f;

    private final Engine engine;
    private final NetShape shape;
    private final int layers;
    private final Tensor x, t, lossOut;
    private final Tensor[] w, b, zin, a, delta, dw, db, mw, vw, mb, vb;
    private final float[] outHost;
    private int adamStep;

    /**
     * Allocates the network on {@code engine}, He-initialised from {@code seed}, with room for
     * {@code lossSlots} per-step loss values (a trainer downloads them once per epoch).
     */
    public KernelNet(Engine engine, NetShape shape, long seed, int lossSlots) {
        this.engine = engine;
        this.shape = shape;
        int[] s = shape.sizes();
        int n = shape.batch();
        layers = shape.layers();
        w = new Tensor[layers];
        b = new Tensor[layers];
        zin = new Tensor[layers];
        a = new Tensor[layers];
        delta = new Tensor[layers];
        dw = new Tensor[layers];
        db = new Tensor[layers];
        mw = new Tensor[layers];
        vw = new Tensor[layers];
        mb = new Tensor[layers];
        vb = new Tensor[layers];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int l = 0; l < layers; l++) {
            int in = s[l], out = s[l + 1];
            float[] init = new float[in * out];
            double scale = Math.sqrt(2.0 / in); // He initialisation for ReLU layers
            for (int i = 0; i < init.length; i++) {
                init[i] = (float) (gaussian(rnd) * scale);
            }
            w[l] = engine.tensor(in, out, init);
            b[l] = engine.allocate(1, out);
            zin[l] = engine.allocate(n, out);
            a[l] = engine.allocate(n, out);
            delta[l] = engine.allocate(n, out);
            dw[l] = engine.allocate(in, out);
            db[l] = engine.allocate(1, out);
            mw[l] = engine.allocate(in, out);
            vw[l] = engine.allocate(in, out);
            mb[l] = engine.allocate(1, out);
            vb[l] = engine.allocate(1, out);
        }
        x = engine.allocate(n, s[0]);
        t = engine.allocate(n, s[layers]);
        lossOut = engine.allocate(1, Math.max(1, lossSlots));
        outHost = new float[n * s[layers]];
    }

    private static double gaussian(SplittableRandom rnd) {
        // Box–Muller: SplittableRandom has no nextGaussian of its own.
        double u = 1.0 - rnd.nextDouble(), v = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /** The network's shape. */
    public NetShape shape() {
        return shape;
    }

    /** Uploads one batch: inputs (N × in) and one-hot targets (N × out), row-major. */
    public void load(float[] inputs, float[] targets) {
        engine.upload(inputs, x);
        engine.upload(targets, t);
    }

    /** The forward pass over the loaded batch. */
    public void forward() {
        for (int l = 0; l < layers; l++) {
            engine.gemm(false, false, 1f, l == 0 ? x : a[l - 1], w[l], 0f, zin[l]);
            engine.biasActivation(zin[l], b[l], l == layers - 1 ? Activation.SOFTMAX : Activation.RELU, a[l]);
        }
    }

    /** The backward pass (after {@link #forward}): output δ and loss into slot {@code lossIndex}, then every gradient. */
    public void backward(int lossIndex) {
        float invN = 1f / shape.batch();
        int last = layers - 1;
        engine.outputDelta(Loss.SOFTMAX_CROSS_ENTROPY, Activation.SOFTMAX, zin[last], a[last], t, delta[last], lossOut, lossIndex);
        for (int l = last; l >= 0; l--) {
            engine.gemm(true, false, invN, l == 0 ? x : a[l - 1], delta[l], 0f, dw[l]);
            engine.columnSum(invN, delta[l], db[l]);
            if (l > 0) {
                engine.gemm(false, true, 1f, delta[l], w[l], 0f, delta[l - 1]);
                engine.activationBackward(delta[l - 1], zin[l - 1], a[l - 1], Activation.RELU, delta[l - 1]);
            }
        }
    }

    /** One Adam step on every weight and bias, from the gradients of the last {@link #backward}. */
    public void adam() {
        adamStep++;
        for (int l = 0; l < layers; l++) {
            engine.adamStep(w[l], dw[l], mw[l], vw[l], LEARNING_RATE, BETA1, BETA2, EPSILON, 0f, false, adamStep);
            engine.adamStep(b[l], db[l], mb[l], vb[l], LEARNING_RATE, BETA1, BETA2, EPSILON, 0f, false, adamStep);
        }
    }

    /** One training step on the loaded batch: forward, backward, Adam. */
    public void step(int lossIndex) {
        forward();
        backward(lossIndex);
        adam();
    }

    /** The loss sums of the first {@code count} slots, summed in double (downloads, so it synchronises). */
    public double lossSum(int count) {
        float[] l = engine.download(lossOut);
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += l[i];
        }
        return sum;
    }

    /** A value that depends on the whole output layer, for the JMH blackhole (downloads N × out floats). */
    public float probe() {
        engine.download(a[layers - 1], outHost, 0);
        return outHost[0] + outHost[outHost.length - 1];
    }

    @Override
    public void close() {
        for (Tensor[] group : new Tensor[][]{w, b, zin, a, delta, dw, db, mw, vw, mb, vb}) {
            for (Tensor tensor : group) {
                if (tensor != null) {
                    tensor.close();
                }
            }
        }
        x.close();
        t.close();
        lossOut.close();
    }
}
