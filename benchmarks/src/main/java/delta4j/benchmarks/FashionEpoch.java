package delta4j.benchmarks;

import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.model.Init;
import delta4j.model.Mlp;
import delta4j.model.Optimizer;
import delta4j.model.Trainer;
import delta4j.model.TrainingConfig;

/**
 * The Fashion-MNIST epoch the epoch benchmarks time ({@link EpochBenchmark}, {@link MappedEpochBenchmark}, and
 * {@link LayersEpochBenchmark}'s trainer; their shared set-up is {@link EpochState}): the
 * {@link NetShape#FASHION} network (relu, relu, softmax + cross-entropy, He initialisation, seed 3) and a trainer of
 * one shuffled epoch with Adam at 1e-3 on unstandardised inputs, so that both benchmarks measure the same work.
 */
final class FashionEpoch {

    private FashionEpoch() {
    }

    static final NetShape SHAPE = NetShape.parse(NetShape.FASHION);

    /** A fresh network of {@link #SHAPE}. */
    static Mlp network() {
        int[] s = SHAPE.sizes();
        return Mlp.builder(s[0])
                .dense(s[1], Activation.RELU)
                .dense(s[2], Activation.RELU)
                .dense(s[3], Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY)
                .init(Init.HE)
                .seed(3)
                .build();
    }

    /** A trainer of one epoch on {@code engine}. */
    static Trainer trainer(Engine engine) {
        return new Trainer(engine, TrainingConfig.builder()
                .optimizer(Optimizer.adam(1e-3f))
                .batchSize(SHAPE.batch())
                .maxEpochs(1)
                .shuffle(true)
                .standardize(false)
                .build());
    }
}
