package delta4j.benchmarks;

import delta4j.engine.Engine;

import java.util.SplittableRandom;

/** Networks with a loaded batch, shared by the forward, backward and training-step benchmarks. */
final class NetFixtures {

    private NetFixtures() {
    }

    /** A He-initialised network with one random batch (inputs in [0, 1), one-hot targets) uploaded. */
    static KernelNet withRandomBatch(Engine engine, NetShape shape) {
        KernelNet net = new KernelNet(engine, shape, 7, 1);
        int[] s = shape.sizes();
        int n = shape.batch(), in = s[0], out = s[s.length - 1];
        SplittableRandom rnd = new SplittableRandom(11);
        float[] x = new float[n * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextDouble();
        }
        float[] t = new float[n * out];
        for (int i = 0; i < n; i++) {
            t[i * out + rnd.nextInt(out)] = 1f;
        }
        net.load(x, t);
        return net;
    }
}
