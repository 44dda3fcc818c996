package delta4j.benchmarks;

import delta4j.data.Dataset;
import delta4j.data.Samples;
import delta4j.engine.Engine;
import delta4j.model.Mlp;
import delta4j.model.Trainer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * What the Fashion-MNIST epoch benchmarks share ({@link EpochBenchmark}, {@link LayersEpochBenchmark},
 * {@link MappedEpochBenchmark}): the engine, thread count, sample count and data set @Params; a set-up, once per trial
 * outside the measurement, that loads the data set, opens the engine and makes {@link FashionEpoch#trainer}'s trainer of
 * one shuffled epoch; and the measured operation, one {@code fit} of one epoch. A benchmark gives its network and,
 * if it reads them from elsewhere than the heap, its samples. JMH takes the @Param fields, the set-up and tear-down and
 * the @Benchmark method with its mode (single-shot epochs, in milliseconds) and fork from this superclass, and names each
 * benchmark after its subclass ("EpochBenchmark.epoch"); a subclass sets its warm-up and measurement.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {ForkArgs.VECTOR, ForkArgs.NATIVE, ForkArgs.HEAP, ForkArgs.HUGE_PAGES})
@State(Scope.Benchmark)
public abstract class EpochState {

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
    private Samples train;
    private Trainer trainer;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        FashionMnist data = FashionMnist.load(samples, dataset.equals("synthetic"));
        train = samples(new Dataset(data.samples(), FashionMnist.PIXELS, FashionMnist.CLASSES, data.inputs(), data.targets()));
        mlp = network();
        e = BenchEngines.open(engine, threads);
        trainer = FashionEpoch.trainer(e);
    }

    /** {@return the network to train, fresh} */
    protected abstract Mlp network();

    /**
     * {@return the samples the epoch reads} The loaded data set on the heap by default.
     *
     * @param inMemory the loaded data set
     * @throws IOException if the samples are put elsewhere and that fails
     */
    protected Samples samples(Dataset inMemory) throws IOException {
        return inMemory;
    }

    /** Releases what {@link #samples} made, after the engine is closed. */
    protected void release() {
    }

    /** One epoch; returns its mean training loss so the work cannot be optimised away. */
    @Benchmark
    public double epoch() {
        return trainer.fit(mlp, train).finalTrainLoss();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        e.close();
        release();
    }
}
