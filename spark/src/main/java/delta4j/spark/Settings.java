package delta4j.spark;

import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.Engines;
import delta4j.model.LearningRateSchedule;
import delta4j.model.Optimizer;
import delta4j.model.Replica;
import delta4j.model.TrainingConfig;

import java.io.Serializable;

/**
 * An estimator's training params in the form that travels to the executors (TrainingConfig does not
 * serialise); each task rebuilds the same {@link TrainingConfig} from it.
 */
record Settings(String optimizer, float learningRate, float weightDecay, String schedule, float clipNorm, int batchSize,
                int epochs, long seed, boolean shuffle, double validationFraction, int patience, String engine,
                int engineThreads, TrainingMode mode, int averageEvery, boolean standardizeTargets,
                boolean balancedBatches) implements Serializable {

    TrainingConfig config() {
        TrainingConfig.Builder b = TrainingConfig.builder()
                .optimizer(Optimizer.parse(optimizer, learningRate))
                .weightDecay(weightDecay)
                .schedule(LearningRateSchedule.parse(schedule))
                .batchSize(batchSize)
                .maxEpochs(epochs)
                .seed(seed)
                .shuffle(shuffle)
                .validationFraction(validationFraction)
                .patience(patience)
                // What the Trainer would do (for comparison with it). The replicas never standardise: the estimator
                // fits the target standardiser on the driver and hands them standardised shards (MlpEstimator.fit).
                .standardizeTargets(standardizeTargets);
        if (clipNorm > 0) {
            b.clipGradientNorm(clipNorm);
        }
        return b.build();
    }

    /**
     * The global batches of an epoch, as training positions: the trainer's order ({@link Replica#epochOrder}), or
     * with {@code balancedBatches} that order rearranged so that each partition gives every batch its share of the rows
     * ({@link Layout#balanced}).
     */
    int[] epochOrder(Layout layout, TrainingConfig cfg, int epoch) {
        int[] order = Replica.epochOrder(layout.trainSize(), cfg, epoch);
        return balancedBatches ? layout.balanced(order) : order;
    }

    /** Opens the engine a task computes with, on the device {@code device} (null: the engine's default). */
    Engine openEngine(int threads, String device) {
        return Engines.create(engine, new EngineConfig(engineThreads > 0 ? engineThreads : threads, device));
    }
}
