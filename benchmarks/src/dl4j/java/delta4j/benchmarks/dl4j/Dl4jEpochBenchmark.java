package delta4j.benchmarks.dl4j;

import delta4j.benchmarks.FashionMnist;
import delta4j.benchmarks.ForkArgs;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The JVM peer of {@link delta4j.benchmarks.EpochBenchmark}: Deeplearning4j (ND4J native, its own OpenBLAS)
 * training the same 784-256-128-10 network (ReLU, softmax with multi-class cross-entropy, Adam 1e-3,
 * batch 128) for one epoch of Fashion-MNIST, shuffling and gathering each batch (the last holds the remainder).
 * Built only with the Maven profile {@code dl4j}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {ForkArgs.VECTOR, ForkArgs.NATIVE, ForkArgs.HEAP, ForkArgs.HUGE_PAGES})
@State(Scope.Benchmark)
public class Dl4jEpochBenchmark {

    @Param({"1"})
    public int threads;

    @Param({"60000"})
    public int samples;

    @Param({"fashion"})
    public String dataset;

    private static final int BATCH = 128;

    private MultiLayerNetwork net;
    private INDArray x, t;
    private int[] order;
    private int steps;
    private final SplittableRandom shuffle = new SplittableRandom(5);

    @Setup(Level.Trial)
    public void setUp() {
        // ND4J's OpenMP and BLAS pools: as many threads as the row says.
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
        FashionMnist data = FashionMnist.load(samples, dataset.equals("synthetic"));
        x = Nd4j.create(data.inputs(), new int[]{samples, FashionMnist.PIXELS});
        t = Nd4j.create(data.targets(), new int[]{samples, FashionMnist.CLASSES});
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(3)
                .dataType(DataType.FLOAT)
                .updater(new Adam(1e-3))
                .weightInit(WeightInit.RELU)
                .list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(256).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(256).nOut(128).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(128).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .build();
        net = new MultiLayerNetwork(conf);
        net.init();
        steps = (samples + BATCH - 1) / BATCH;
        order = new int[samples];
        for (int i = 0; i < samples; i++) {
            order[i] = i;
        }
    }

    @Benchmark
    public double epoch() {
        for (int i = order.length - 1; i > 0; i--) {
            int j = shuffle.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        for (int s = 0; s < steps; s++) {
            int[] rows = java.util.Arrays.copyOfRange(order, s * BATCH, Math.min(samples, (s + 1) * BATCH));
            net.fit(new DataSet(Nd4j.pullRows(x, 1, rows), Nd4j.pullRows(t, 1, rows)));
        }
        return net.score();
    }
}
