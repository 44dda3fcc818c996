package delta4j.cpu;

import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.Engines;
import delta4j.engine.Loss;
import delta4j.data.Dataset;
import delta4j.model.Mlp;
import delta4j.model.Optimizer;
import delta4j.model.Trainer;
import delta4j.model.TrainingConfig;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The cpu engine gives the same bits whether its kernels are interpreted or compiled by C2: predictions and
 * two training steps in a child JVM run with -Xint equal those of this JVM after a warm-up, for every
 * element-wise activation. (The Vector API's own {@code reduceLanes(ADD)}, {@code lanewise(EXP)} and
 * {@code lanewise(TANH)} did not: their results moved by an ulp once C2 compiled the caller, which made
 * concurrent-vs-sequential comparisons flaky and a tanh network resumed in a new process end with other
 * weights than the uninterrupted run.)
 */
class JitTierDeterminismTest {

    /** The hidden activations whose kernels are checked: every element-wise one. */
    static final List<Activation> HIDDEN = Arrays.stream(Activation.values()).filter(Activation::isElementwise).toList();

    /** Prints one line per hidden activation: {@code hash ACTIVATION bits}. */
    public static void main(String[] args) {
        for (Activation act : HIDDEN) {
            System.out.println(line(act));
        }
    }

    static String line(Activation hidden) {
        return "hash " + hidden + " " + hash(hidden);
    }

    /**
     * The hash of the bits of predictions of a 40-33-3 network with the given hidden activation and a softmax
     * output, on inputs in (−3, 3) and, for one row in eight, (−30, 30), so tanh and sigmoid are also
     * evaluated in and near saturation; then of its weights after two Adam steps on those rows (cross-entropy),
     * and of a 40-17-2 network's with the activation on both layers after two steps on MSE: every training
     * kernel (forward, φ' backward, both output deltas, column sums, Adam) in the tier at hand.
     */
    static long hash(Activation hidden) {
        try (Engine e = Engines.create("cpu", new EngineConfig(1, null))) {
            return hash(hidden, e);
        }
    }

    static long hash(Activation hidden, Engine e) {
        Mlp mlp = Mlp.builder(40).dense(33, hidden).dense(3, Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(5).build();
        float[] x = new float[64 * 40];
        SplittableRandom rnd = new SplittableRandom(9);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) ((rnd.nextDouble() * 6 - 3) * (i / 40 % 8 == 7 ? 10 : 1));
        }
        long h = 0;
        for (float v : mlp.predict(e, x)) {
            h = h * 31 + Float.floatToRawIntBits(v);
        }
        float[] oneHot = new float[64 * 3], t = new float[64 * 2];
        for (int i = 0; i < 64; i++) {
            oneHot[i * 3 + rnd.nextInt(3)] = 1;
            t[2 * i] = (float) (rnd.nextDouble() * 2 - 1);
            t[2 * i + 1] = (float) (rnd.nextDouble() * 2 - 1);
        }
        Mlp mse = Mlp.builder(40).dense(17, hidden).dense(2, hidden).loss(Loss.MSE).seed(6).build();
        TrainingConfig cfg = TrainingConfig.builder().optimizer(Optimizer.adam(0.01f)).batchSize(32).maxEpochs(1).seed(2).build();
        new Trainer(e, cfg).fit(mlp, new Dataset(64, 40, 3, x, oneHot));
        new Trainer(e, cfg).fit(mse, new Dataset(64, 40, 2, x, t));
        for (Mlp m : List.of(mlp, mse)) {
            for (int l = 0; l < m.depth(); l++) {
                for (float v : m.weights(l)) {
                    h = h * 31 + Float.floatToRawIntBits(v);
                }
                for (float v : m.biases(l)) {
                    h = h * 31 + Float.floatToRawIntBits(v);
                }
            }
        }
        return h;
    }

    @Test
    void interpretedAndCompiledKernelsGiveTheSameBits() throws Exception {
        try (Engine e = Engines.create("cpu", new EngineConfig(1, null))) {
            for (int i = 0; i < 3000; i++) {
                for (Activation act : HIDDEN) {
                    hash(act, e); // warm up until C2 has compiled the kernels
                }
            }
        }
        List<String> compiled = HIDDEN.stream().map(JitTierDeterminismTest::line).toList();
        Process p = new ProcessBuilder(ChildJvm.command(JitTierDeterminismTest.class, "-Xint")).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        List<String> interpreted = out.lines().filter(l -> l.startsWith("hash ")).toList();
        assertEquals(String.join("\n", compiled), String.join("\n", interpreted),
                "predictions or trained weights of the -Xint child JVM (right) differ from this JVM's compiled ones (left)");
    }
}
