package delta4j.opencl;

import delta4j.data.Dataset;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.Engines;
import delta4j.engine.Loss;
import delta4j.engine.reference.ReferenceEngine;
import delta4j.model.EpochReport;
import delta4j.model.Mlp;
import delta4j.model.Optimizer;
import delta4j.model.Trainer;
import delta4j.model.TrainingConfig;
import delta4j.model.TrainingResult;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One network, one seed, trained on the reference, cpu and opencl engines: every epoch's training loss
 * agrees within {@value #LOSS_TOL} relative. The engines differ only in float32 summation order (and in
 * the last bits of exp/tanh), which compounds over 240 optimizer steps (15 batches × 16 epochs): opencl on
 * PoCL stays within 1e-7 of the reference; 1e-3 leaves head-room for other devices and the cpu engine's
 * vectorised sums, while still catching any kernel that is wrong rather than merely rounded differently.
 * The cpu engine is included when its provider is on the class path (it is skipped, with a note, while
 * engine-cpu is only a stub).
 */
class SameTrainingOnEveryEngineTest {

    static final double LOSS_TOL = 1e-3;

    @Test
    void regressionWithAdamEndsAtTheSameLoss() {
        train("tanh/relu regression, MSE, Adam", Loss.MSE, Activation.IDENTITY, Optimizer.adam(0.005f));
    }

    @Test
    void classificationWithMomentumEndsAtTheSameLoss() {
        train("relu classifier, softmax cross-entropy, momentum", Loss.SOFTMAX_CROSS_ENTROPY, Activation.SOFTMAX,
                Optimizer.momentum(0.05f, 0.9f));
    }

    private static void train(String what, Loss loss, Activation output, Optimizer optimizer) {
        OpenClTestSupport.requireOpenCl();
        int n = 960, features = 12, outputs = 4;
        Dataset data = data(n, features, outputs, loss);
        Mlp.Builder b = Mlp.builder(features).dense(48, Activation.TANH).dense(24, Activation.RELU).dense(outputs, output)
                .loss(loss).seed(2024);
        Mlp initial = b.build();
        TrainingConfig cfg = TrainingConfig.builder().optimizer(optimizer).batchSize(64).maxEpochs(16).seed(5).build();

        List<String> names = new ArrayList<>(List.of("reference", "opencl"));
        if (Engines.names().contains("cpu") && Engines.list().stream().anyMatch(f -> f.name().equals("cpu") && f.availability().available())) {
            names.add(1, "cpu");
        } else {
            System.out.println(what + ": the cpu engine is not on the class path here; comparing reference and opencl only");
        }
        List<TrainingResult> results = new ArrayList<>();
        for (String name : names) {
            try (Engine e = name.equals("reference") ? new ReferenceEngine() : Engines.create(name, EngineConfig.defaults())) {
                results.add(new Trainer(e, cfg).fit(initial.copy(), data));
            }
        }
        TrainingResult ref = results.getFirst();
        assertTrue(ref.finalTrainLoss() < ref.history().getFirst().trainLoss() * 0.8, what + ": the reference did not learn");
        for (int i = 1; i < results.size(); i++) {
            List<EpochReport> mine = results.get(i).history(), theirs = ref.history();
            assertEquals(theirs.size(), mine.size(), names.get(i) + " ran a different number of epochs");
            double worst = 0;
            for (int ep = 0; ep < theirs.size(); ep++) {
                double want = theirs.get(ep).trainLoss(), got = mine.get(ep).trainLoss();
                double rel = Math.abs(got - want) / Math.abs(want);
                worst = Math.max(worst, rel);
                assertTrue(rel <= LOSS_TOL, String.format(Locale.ROOT, "%s on %s: epoch %d loss %.7f, reference %.7f (relative %.1e > %.0e)",
                        what, names.get(i), ep + 1, got, want, rel, LOSS_TOL));
            }
            System.out.printf(Locale.ROOT, "%s: %s ends at loss %.7f, reference %.7f; largest relative gap over %d epochs %.1e%n",
                    what, names.get(i), results.get(i).finalTrainLoss(), ref.finalTrainLoss(), theirs.size(), worst);
        }
    }

    /** Targets from a fixed random teacher network, so the problem is learnable but not trivial. */
    private static Dataset data(int n, int features, int outputs, Loss loss) {
        SplittableRandom rnd = new SplittableRandom(99);
        float[] x = new float[n * features], y = new float[n * outputs];
        float[] teacher = new float[features * outputs];
        for (int i = 0; i < teacher.length; i++) {
            teacher[i] = (float) rnd.nextGaussian();
        }
        for (int s = 0; s < n; s++) {
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int f = 0; f < features; f++) {
                x[s * features + f] = (float) (rnd.nextDouble() * 2 - 1);
            }
            for (int o = 0; o < outputs; o++) {
                double z = 0;
                for (int f = 0; f < features; f++) {
                    z += x[s * features + f] * teacher[f * outputs + o];
                }
                double v = Math.sin(z);
                if (loss == Loss.MSE) {
                    y[s * outputs + o] = (float) v;
                } else if (v > bestScore) {
                    bestScore = v;
                    best = o;
                }
            }
            if (loss != Loss.MSE) {
                y[s * outputs + best] = 1f;
            }
        }
        return new Dataset(n, features, outputs, x, y);
    }
}
