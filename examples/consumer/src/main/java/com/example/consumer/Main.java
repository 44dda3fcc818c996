package com.example.consumer;

import delta4j.data.Dataset;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Engines;
import delta4j.model.Mlp;
import delta4j.model.Optimizer;
import delta4j.model.Predictor;
import delta4j.model.Trainer;
import delta4j.model.TrainingConfig;
import delta4j.model.TrainingResult;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * Trains a small regression network, saves it, loads it and predicts with the loaded copy, then checks that the
 * predictions are those of the trained model and that the engine "auto" chose is the cpu engine. Exits with 1
 * (and says why) if anything is off, so a script can run it as a test.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        int n = 512;
        float[][] x = new float[n][], y = new float[n][];
        Random rnd = new Random(1);
        for (int i = 0; i < n; i++) {
            float a = rnd.nextFloat() * 2 - 1, b = rnd.nextFloat() * 2 - 1;
            x[i] = new float[]{a, b};
            y[i] = new float[]{(float) (Math.sin(3 * a) + b * b)};
        }
        Mlp mlp = Mlp.builder(2).dense(32, Activation.TANH).dense(1, Activation.IDENTITY).seed(3).build();
        Path dir = Files.createTempDirectory("delta4j-consumer");
        Path file = dir.resolve("model.d4j");
        try (Engine engine = Engines.create("auto")) {
            TrainingConfig config = TrainingConfig.builder().optimizer(Optimizer.adam(0.01f)).batchSize(32).maxEpochs(40).build();
            TrainingResult result = new Trainer(engine, config).fit(mlp, Dataset.of(x, y));
            mlp.save(file);
            Mlp loaded = Mlp.load(file);
            float[][] direct = mlp.predict(engine, x);
            float[][] again;
            try (Predictor predictor = loaded.predictor(engine)) {
                again = predictor.predict(x);
            }
            System.out.printf("engine %s (%s); loss %.5f after %d epochs; saved %d bytes to %s%n", engine.name(), engine.device(),
                    result.finalTrainLoss(), result.epochs(), Files.size(file), file.getFileName());
            boolean same = Arrays.deepEquals(direct, again);
            System.out.println("the loaded model predicts the same: " + same);
            Files.delete(file);
            Files.delete(dir);
            if (!engine.name().equals("cpu")) {
                fail("\"auto\" chose the " + engine.name() + " engine: the cpu engine was not usable (see the warning above)");
            }
            if (!same) {
                fail("the loaded model's predictions differ from the trained model's");
            }
            if (!(result.finalTrainLoss() < 0.05)) {
                fail("the network did not learn: final loss " + result.finalTrainLoss());
            }
        }
    }

    private static void fail(String why) {
        System.err.println("consumer example: " + why);
        System.exit(1);
    }
}
