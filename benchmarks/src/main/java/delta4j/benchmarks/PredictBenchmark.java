package delta4j.benchmarks;

import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.model.Init;
import delta4j.model.Mlp;
import delta4j.model.Network;
import delta4j.model.Predictor;
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
 * What does a prediction cost through each of the library's three ways to make one? The one-shot
 * {@code Mlp.predict(engine, x)} binds the model, uploads every parameter and frees it all on each call; a bound
 * {@code Network} ({@code Mlp.bind}) keeps the parameters on the engine and allocates its result; a {@code Predictor}
 * ({@code Mlp.predictor}) keeps parameters and work tensors and writes into the caller's array. {@code rows = 1} is the
 * single-row latency, {@code rows = 256} the batch throughput (rows over time). The network is the Fashion-MNIST one
 * (ReLU hidden layers, softmax output); model, engine and inputs are set up outside the measured methods.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkArgs.VECTOR, ForkArgs.NATIVE, ForkArgs.HEAP})
@State(Scope.Benchmark)
public class PredictBenchmark {

    @Param({"cpu"})
    public String engine;

    /** Engine threads; 0 = the engine's default. */
    @Param({"1"})
    public int threads;

    /** Layer sizes, input first. */
    @Param({"784-256-128-10"})
    public String net;

    /** Rows per prediction call. */
    @Param({"1", "256"})
    public int rows;

    private Engine e;
    private Mlp mlp;
    private Network network;
    private Predictor predictor;
    private float[] x;
    private float[] out;

    @Setup(Level.Trial)
    public void setUp() {
        int[] s = NetShape.parse(net + "@" + rows).sizes();
        Mlp.Builder b = Mlp.builder(s[0]).init(Init.HE).seed(3);
        for (int l = 1; l < s.length; l++) {
            b.dense(s[l], l == s.length - 1 ? Activation.SOFTMAX : Activation.RELU);
        }
        mlp = b.loss(Loss.SOFTMAX_CROSS_ENTROPY).build();
        SplittableRandom rnd = new SplittableRandom(42);
        x = new float[rows * s[0]];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextDouble();
        }
        out = new float[rows * s[s.length - 1]];
        e = BenchEngines.open(engine, threads);
        network = mlp.bind(e);
        predictor = mlp.predictor(e);
    }

    /** {@code Mlp.predict(engine, x)}: bind, upload, forward, download, free, on every call. */
    @Benchmark
    public float[] oneShot() {
        return mlp.predict(e, x);
    }

    /** {@code Network.predict(x)} on a network bound once (not thread-safe; allocates its result). */
    @Benchmark
    public float[] network() {
        return network.predict(x);
    }

    /** {@code Predictor.predict(x, out)}: bound once, thread-safe, allocation-free. */
    @Benchmark
    public float[] predictor() {
        predictor.predict(x, out);
        return out;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        predictor.close();
        network.close();
        e.close();
    }
}
