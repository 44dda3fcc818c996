package delta4j.benchmarks;

import delta4j.data.Dataset;
import delta4j.engine.Engine;
import delta4j.model.Mlp;
import delta4j.model.Trainer;
import delta4j.model.TrainingResult;
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

import java.util.concurrent.TimeUnit;

/**
 * How long does one epoch of Fashion-MNIST training take, through the library's own {@link Trainer}?
 * The network is 784-256-128-10 (ReLU, softmax cross-entropy, He initialisation), trained with Adam at 1e-3
 * in batches of 128: each epoch shuffles the samples, gathers and uploads every batch (the last one holds the
 * remaining 96 of 60,000) and takes a training step, reading the losses back once per epoch. Each measured
 * operation is one {@code fit} of one epoch, so it also binds the model to the engine and copies the trained
 * parameters back (about 240,000 floats each way), as any caller of the Trainer pays. The data set is loaded
 * in the set-up, outside the measurement; pixels are in [0, 1] already, so the Trainer does not standardise.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {ForkArgs.VECTOR, ForkArgs.NATIVE, ForkArgs.HEAP, ForkArgs.HUGE_PAGES})
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
    private Mlp mlp;
    private Dataset train;
    private Trainer trainer;

    @Setup(Level.Trial)
    public void setUp() {
        FashionMnist data = FashionMnist.load(samples, dataset.equals("synthetic"));
        train = new Dataset(data.samples(), FashionMnist.PIXELS, FashionMnist.CLASSES, data.inputs(), data.targets());
        mlp = FashionEpoch.network();
        e = BenchEngines.open(engine, threads);
        trainer = FashionEpoch.trainer(e);
    }

    /** One epoch; returns its mean training loss so the work cannot be optimised away. */
    @Benchmark
    public double epoch() {
        TrainingResult r = trainer.fit(mlp, train);
        return r.finalTrainLoss();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        e.close();
    }
}
