package delta4j.benchmarks;

import delta4j.engine.Activation;
import delta4j.engine.Loss;
import delta4j.model.Init;
import delta4j.model.Mlp;
import delta4j.model.Normalization;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What do dropout and normalisation cost per epoch? One Fashion-MNIST epoch of 784-512-512-10 (ReLU, softmax
 * cross-entropy, He initialisation) with {@link EpochBenchmark}'s trainer ({@link FashionEpoch#trainer}: Adam at 1e-3,
 * batches of 128, shuffled), either as
 * plain dense layers or with each hidden layer normalised ({@code norm}) and followed by dropout ({@code dropout}).
 * The ratio of the two rows, measured in one run, is what the extra kernels cost; the data set is loaded in the set-up,
 * outside the measurement. {@code benchmarks/peers/layers_epoch.py} times PyTorch on the same networks.
 */
@Warmup(iterations = 2)
@Measurement(iterations = 5)
public class LayersEpochBenchmark extends EpochState {

    /** The network's hidden layers. */
    static final int[] HIDDEN = {512, 512};

    /** The hidden layers' normalisation: none, layer or batch. */
    @Param({"none", "batch"})
    public String norm;

    /** The hidden layers' dropout probability. */
    @Param({"0", "0.2"})
    public float dropout;

    @Override
    protected Mlp network() {
        return network(Normalization.parse(norm), dropout);
    }

    /** 784-512-512-10 with every hidden layer normalised by {@code norm} and dropped out with {@code p}. */
    static Mlp network(Normalization norm, float p) {
        Mlp.Builder b = Mlp.builder(FashionMnist.PIXELS);
        for (int units : HIDDEN) {
            b.dense(units, Activation.RELU).normalization(norm).dropout(p);
        }
        return b.dense(FashionMnist.CLASSES, Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY)
                .init(Init.HE)
                .seed(3)
                .build();
    }
}
