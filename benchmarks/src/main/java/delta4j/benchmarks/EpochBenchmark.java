package delta4j.benchmarks;

import delta4j.engine.Engine;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * How long does one epoch of Fashion-MNIST training take? The network is 784-256-128-10 (ReLU, softmax
 * cross-entropy, Adam at 1e-3), batch 128: each epoch shuffles the samples, and for every full batch gathers
 * it on the host, uploads it and takes a training step; the per-step losses are read back once, at the end
 * of the epoch, as a trainer does. The last partial batch is dropped (the peers do the same), so an epoch of
 * 60,000 samples is 468 steps. The data set is loaded in the set-up, outside the measurement.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {ForkArgs.VECTOR, ForkArgs.NATIVE, ForkArgs.HEAP})
@State(Scope.Benchmark)
public class EpochBenchmark {

    @Param({"cpu"})
    public String engine;

    /** Engine threads; 0 = the engine's default. */
    @Param({"1"})
    public int threads;

    /** Training samples per epoch (60000 is all of Fashion-MNIST; the smoke run uses fewer). */
    @Param({"60000"})
    public int samples;

    /** "fashion" for the real set when installed (else synthetic), or "synthetic". */
    @Param({"fashion"})
    public String dataset;

    private Engine e;
    private KernelNet model;
    private FashionMnist data;
    private float[] batchX, batchT;
    private int[] order;
    private int steps;
    private final SplittableRandom shuffle = new SplittableRandom(5);

    @Setup(Level.Trial)
    public void setUp() {
        NetShape shape = NetShape.parse(NetShape.FASHION);
        data = FashionMnist.load(samples, dataset.equals("synthetic"));
        steps = samples / shape.batch();
        if (steps == 0) {
            throw new IllegalArgumentException("an epoch of " + samples + " samples has no full batch of " + shape.batch());
        }
        e = BenchEngines.open(engine, threads);
        model = new KernelNet(e, shape, 3, steps);
        batchX = new float[shape.batch() * FashionMnist.PIXELS];
        batchT = new float[shape.batch() * FashionMnist.CLASSES];
        order = new int[samples];
        for (int i = 0; i < samples; i++) {
            order[i] = i;
        }
    }

    /** One epoch; returns the mean training loss so the work cannot be optimised away. */
    @Benchmark
    public double epoch() {
        for (int i = order.length - 1; i > 0; i--) { // Fisher–Yates
            int j = shuffle.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        int n = model.shape().batch(), px = FashionMnist.PIXELS, cl = FashionMnist.CLASSES;
        for (int s = 0; s < steps; s++) {
            for (int r = 0; r < n; r++) {
                int sample = order[s * n + r];
                System.arraycopy(data.inputs(), sample * px, batchX, r * px, px);
                System.arraycopy(data.targets(), sample * cl, batchT, r * cl, cl);
            }
            model.load(batchX, batchT);
            model.step(s);
        }
        return model.lossSum(steps) / ((double) steps * n);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        model.close();
        e.close();
    }
}
