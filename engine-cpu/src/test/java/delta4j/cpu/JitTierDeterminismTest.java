package delta4j.cpu;

import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.Engines;
import delta4j.engine.Loss;
import delta4j.engine.Tensor;
import delta4j.model.Mlp;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The cpu engine gives the same bits whether its kernels are interpreted or compiled by C2: predictions
 * in a child JVM run with -Xint equal those of this JVM after a warm-up. (The Vector API's own
 * {@code reduceLanes(ADD)} and {@code lanewise(EXP)} did not: their results moved by an ulp once C2
 * compiled the caller, which made concurrent-vs-sequential comparisons flaky.)
 */
class JitTierDeterminismTest {

    /** Prints the hash of the predictions' bits. */
    public static void main(String[] args) {
        System.out.println("hash " + hash());
    }

    static long hash() {
        Mlp mlp = Mlp.builder(40).dense(33, Activation.SIGMOID).dense(3, Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(5).build();
        float[] x = new float[64 * 40];
        SplittableRandom rnd = new SplittableRandom(9);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextDouble() * 6 - 3);
        }
        long h = 0;
        try (Engine e = Engines.create("cpu", new EngineConfig(1, null))) {
            for (float v : mlp.predict(e, x)) {
                h = h * 31 + Float.floatToRawIntBits(v);
            }
            // GELU's erfc and SiLU's exp are the engine's own code too: forward, backward and MSE output δ.
            for (Activation act : new Activation[]{Activation.GELU, Activation.SILU}) {
                try (Tensor z = e.tensor(64, 40, x); Tensor b = e.allocate(1, 40); Tensor a = e.allocate(64, 40);
                     Tensor d = e.allocate(64, 40); Tensor t = e.allocate(64, 40); Tensor out = e.allocate(64, 40);
                     Tensor loss = e.allocate(1, 1)) {
                    e.biasActivation(z, b, act, a);
                    e.activationBackward(a, z, a, act, d);
                    e.outputDelta(Loss.MSE, act, z, a, t, out, loss, 0);
                    for (Tensor r : new Tensor[]{a, d, out}) {
                        for (float v : e.download(r)) {
                            h = h * 31 + Float.floatToRawIntBits(v);
                        }
                    }
                }
            }
        }
        return h;
    }

    @Test
    void interpretedAndCompiledKernelsGiveTheSameBits() throws Exception {
        for (int i = 0; i < 3000; i++) {
            hash(); // warm up until C2 has compiled the kernels
        }
        long compiled = hash();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-Xint", "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), JitTierDeterminismTest.class.getName()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertEquals("hash " + compiled, out.lines().filter(l -> l.startsWith("hash ")).findFirst().orElse(out));
    }
}
