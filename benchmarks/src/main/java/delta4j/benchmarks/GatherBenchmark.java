package delta4j.benchmarks;

import delta4j.data.Dataset;
import delta4j.engine.Engine;
import delta4j.engine.Tensor;
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
 * What does the mini-batch gather cost from pixels kept as floats and from the same pixels kept as bytes? Each call
 * gathers {@code rows} shuffled rows of a Fashion-MNIST-sized training set (60000 × 784, made up) straight into an
 * engine tensor: {@code Engine.uploadRows} of the floats {@code (b & 0xff) / 255f}, or of the bytes with divisor 255,
 * which the engine converts as it copies (the same floats). Successive calls walk through one shuffled epoch, so the
 * rows come from all over the set, as in training; data, order and tensor are set up outside the measured method.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar GatherBenchmark -p threads=1,2 -rf json -rff gather.json
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkArgs.VECTOR, ForkArgs.NATIVE, ForkArgs.HEAP})
@State(Scope.Benchmark)
public class GatherBenchmark {

    @Param({"cpu"})
    public String engine;

    /** Engine threads; 0 = the engine's default. */
    @Param({"1"})
    public int threads;

    /** How the pixels are kept: "floats" or "bytes". */
    @Param({"floats", "bytes"})
    public String storage;

    /** Rows per gather (the batch). */
    @Param({"128"})
    public int rows;

    private static final int SAMPLES = 60_000, FEATURES = 784;

    private Engine e;
    private Tensor batch;
    private byte[] bytes;
    private float[] floats;
    private int[] order;
    private int from;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom rnd = new SplittableRandom(7);
        bytes = new byte[SAMPLES * FEATURES];
        rnd.nextBytes(bytes);
        if (storage.equals("floats")) {
            floats = new float[bytes.length];
            for (int i = 0; i < floats.length; i++) {
                floats[i] = (bytes[i] & 0xff) / 255f;
            }
            bytes = null;
        } else if (!storage.equals("bytes")) {
            throw new IllegalArgumentException("storage " + storage + ": use floats or bytes");
        }
        order = Dataset.permutation(SAMPLES, rnd);
        e = BenchEngines.open(engine, threads);
        batch = e.allocate(rows, FEATURES);
    }

    /** One batch of {@code rows} rows, the next in the shuffled order. */
    @Benchmark
    public Tensor gather() {
        if (from + rows > SAMPLES) {
            from = 0;
        }
        if (floats != null) {
            e.uploadRows(floats, order, from, batch);
        } else {
            e.uploadRows(bytes, 255f, order, from, batch);
        }
        from += rows;
        return batch;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        batch.close();
        e.close();
    }
}
