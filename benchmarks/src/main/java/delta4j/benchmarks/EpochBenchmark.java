package delta4j.benchmarks;

import delta4j.model.Mlp;
import delta4j.model.Trainer;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How long does one epoch of Fashion-MNIST training take, through the library's own {@link Trainer}?
 * The network is 784-256-128-10 (ReLU, softmax cross-entropy, He initialisation), trained with Adam at 1e-3
 * in batches of 128: each epoch shuffles the samples, gathers and uploads every batch (the last one holds the
 * remaining 96 of 60,000) and takes a training step, reading the losses back once per epoch. Each measured
 * operation is one {@code fit} of one epoch, so it also binds the model to the engine and copies the trained
 * parameters back (about 240,000 floats each way), as any caller of the Trainer pays. The data set is loaded
 * in the set-up, outside the measurement; pixels are in [0, 1] already, so the Trainer does not standardise.
 */
@Warmup(iterations = 1)
@Measurement(iterations = 5)
public class EpochBenchmark extends EpochState {

    @Override
    protected Mlp network() {
        return FashionEpoch.network();
    }
}
