package delta4j.benchmarks;

import delta4j.engine.Engine;
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
 * What the forward, backward and training-step benchmarks share: the engine, thread count and network
 * @Params, and a {@link KernelNet} with a random batch on the engine, set up once per trial outside the
 * measured method. JMH takes the @Param fields, the set-up and tear-down methods, and the mode (average time per
 * batch, in microseconds), warm-up, measurement and fork from this superclass.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkArgs.VECTOR, ForkArgs.NATIVE, ForkArgs.HEAP, ForkArgs.HUGE_PAGES})
@State(Scope.Benchmark)
public abstract class NetState {

    @Param({"cpu"})
    public String engine;

    /** Engine threads; 0 = the engine's default. */
    @Param({"1"})
    public int threads;

    /** Layer sizes and batch, as {@link NetShape#parse} reads them. */
    @Param({NetShape.FASHION})
    public String net;

    protected Engine e;
    protected KernelNet model;

    @Setup(Level.Trial)
    public void setUp() {
        e = BenchEngines.open(engine, threads);
        model = NetFixtures.withRandomBatch(e, NetShape.parse(net));
        prepare();
    }

    /** Work the measured method needs done beforehand (e.g. the forward pass before backward). */
    protected void prepare() {
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        model.close();
        e.close();
    }
}
