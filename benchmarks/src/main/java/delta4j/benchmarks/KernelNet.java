package delta4j.benchmarks;

import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.engine.Tensor;
import delta4j.model.Init;
import delta4j.model.Mlp;
import delta4j.model.Network;
import delta4j.model.Parameter;

import java.util.List;

/**
 * An MLP trained step by step on one fixed-size batch: ReLU hidden layers, a softmax output with
 * cross-entropy, Adam. It drives the library's {@link Network} (the forward and backward passes a
 * {@link delta4j.model.Trainer} runs) directly, without the trainer's data gathering, shuffling and epoch
 * bookkeeping, so the forward, backward and step benchmarks measure the kernels of one training step.
 *
 * <p>Per layer l: forward {@code Zin[l] = A[l-1]·W[l]}, {@code A[l] = φ(Zin[l] + b[l])}; backward
 * {@code Δ[L] = softmax − T}, {@code dW[l] = A[l-1]ᵀ·Δ[l]/N}, {@code db[l] = colsum(Δ[l])/N},
 * {@code Δ[l-1] = (Δ[l]·W[l]ᵀ) ⊙ relu'(Zin[l-1])}; then an Adam step on every parameter.
 * Nothing is allocated after construction.
 */
public final class KernelNet implements AutoCloseable {

    /** Adam's defaults, as PyTorch's (the peer) uses them. */
    static final float LEARNING_RATE = 1e-3f, BETA1 = 0.9f, BETA2 = 0.999f, EPSILON = 1e-8f;

    private final Engine engine;
    private final NetShape shape;
    private final Network net;
    private final Network.Workspace ws;
    private final List<Parameter> parameters;
    /** The optimizer step's group, as the trainer builds it once: values, gradients, m and v, weight decays (none). */
    private final Tensor[] values, gradients, firstMoments, secondMoments;
    private final float[] decays;
    private final Tensor lossOut;
    private final float[] outHost;
    private int adamStep;

    /**
     * Binds a He-initialised network (seed {@code seed}) to {@code engine}, with room for {@code lossSlots}
     * per-step loss values (a trainer downloads them once per epoch).
     */
    public KernelNet(Engine engine, NetShape shape, long seed, int lossSlots) {
        this.engine = engine;
        this.shape = shape;
        int[] s = shape.sizes();
        Mlp.Builder b = Mlp.builder(s[0]);
        for (int l = 1; l < s.length; l++) {
            b.dense(s[l], l == s.length - 1 ? Activation.SOFTMAX : Activation.RELU);
        }
        Mlp mlp = b.loss(Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).seed(seed).build();
        net = mlp.bind(engine);
        ws = net.workspace(shape.batch());
        parameters = net.parameters();
        int n = parameters.size();
        values = new Tensor[n];
        gradients = new Tensor[n];
        firstMoments = new Tensor[n];
        secondMoments = new Tensor[n];
        decays = new float[n];
        for (int i = 0; i < n; i++) {
            Tensor value = parameters.get(i).value();
            values[i] = value;
            gradients[i] = parameters.get(i).gradient();
            firstMoments[i] = net.allocate(value.rows(), value.cols());
            secondMoments[i] = net.allocate(value.rows(), value.cols());
        }
        lossOut = net.allocate(1, Math.max(1, lossSlots));
        outHost = new float[shape.batch() * s[s.length - 1]];
    }

    /** The network's shape. */
    public NetShape shape() {
        return shape;
    }

    /** Uploads one batch: inputs (N × in) and one-hot targets (N × out), row-major. */
    public void load(float[] inputs, float[] targets) {
        System.arraycopy(inputs, 0, ws.hostInput(), 0, ws.hostInput().length);
        System.arraycopy(targets, 0, ws.hostTarget(), 0, ws.hostTarget().length);
        net.upload(ws, true);
    }

    /** The forward pass over the loaded batch. */
    public void forward() {
        net.forward(ws);
    }

    /** The backward pass (after {@link #forward}): output δ and loss into slot {@code lossIndex}, then every gradient. */
    public void backward(int lossIndex) {
        net.backward(ws, lossOut, lossIndex, 1f / shape.batch());
    }

    /** One Adam step on every parameter, from the gradients of the last {@link #backward}: one engine call, as the trainer's. */
    public void adam() {
        adamStep++;
        engine.adamSteps(values, gradients, firstMoments, secondMoments, LEARNING_RATE, BETA1, BETA2, EPSILON, decays, false, adamStep);
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
        engine.download(ws.output(), outHost, 0);
        return outHost[0] + outHost[outHost.length - 1];
    }

    /** Frees the network's tensors (the engine stays open). */
    @Override
    public void close() {
        net.close();
    }
}
