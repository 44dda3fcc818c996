package delta4j.spark.example;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.Engines;
import delta4j.io.AtomicFiles;
import delta4j.io.CheckpointFile;
import delta4j.model.EpochReport;
import delta4j.model.Mlp;
import delta4j.spark.FitSummary;
import delta4j.spark.MlpClassificationModel;
import delta4j.spark.MlpClassifier;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * spark/example.sh: Fashion-MNIST (784-256-128-10) through {@link MlpClassifier} on a Spark master, evaluated on the
 * test set after every epoch (from the fit's kept checkpoints), next to Spark MLlib's
 * {@link MultilayerPerceptronClassifier} with layers [784, 256, 128, 10] and its defaults otherwise, on the same
 * DataFrame and cores. Writes the cli's {@code --metrics-json} schema plus {@code "peer"} and the time delta4j took to
 * reach the peer's final test accuracy.
 */
public final class FashionMnist {

    private FashionMnist() {
    }

    public static void main(String[] args) throws Exception {
        try {
            start(args);
        } catch (IllegalArgumentException | java.nio.file.NoSuchFileException e) {
            System.err.println("spark/example.sh: " + (e instanceof java.nio.file.NoSuchFileException
                    ? "no Fashion-MNIST file " + e.getMessage() + " (--data DIR: the folder of the four IDX .gz files)" : e.getMessage()));
            System.exit(2);
        }
    }

    private static void start(String[] args) throws Exception {
        String master = "local[2]", mode = "sync", out = null, data = "/usr/share/datasets/fashion-mnist";
        int epochs = 10, batch = 128, peerMaxIter = -1, trainRows = 0;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw usage("option " + a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--epochs", "--batch-size", "--peer-max-iter", "--train-rows" -> {
                    if (!v.matches("\\d+")) {
                        throw usage(a + " takes a whole number, got '" + v + "'");
                    }
                }
                default -> {
                }
            }
            switch (a) {
                case "--master" -> master = v;
                case "--mode" -> mode = v;
                case "--metrics-json" -> out = v;
                case "--data" -> data = v;
                case "--epochs" -> epochs = Integer.parseInt(v);
                case "--batch-size" -> batch = Integer.parseInt(v);
                case "--peer-max-iter" -> peerMaxIter = Integer.parseInt(v);
                case "--train-rows" -> trainRows = Integer.parseInt(v);
                default -> throw usage("unknown option " + a);
            }
        }
        if (out == null) {
            throw usage("--metrics-json FILE is required");
        }
        SparkSession spark = SparkSession.builder().master(master).appName("delta4j-fashion-mnist")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        try {
            run(spark, mode, out, data, epochs, batch, peerMaxIter, trainRows);
        } finally {
            spark.stop();
        }
    }

    private static IllegalArgumentException usage(String why) {
        return new IllegalArgumentException(why + "; usage: spark/example.sh --master 'local[2]' --mode sync|average --metrics-json FILE"
                + " [--epochs N] [--batch-size B] [--data DIR] [--peer-max-iter N] [--train-rows N]");
    }

    static void run(SparkSession spark, String mode, String out, String data, int epochs, int batch, int peerMaxIter, int trainRows)
            throws Exception {
        int cores = spark.sparkContext().defaultParallelism();
        float[][] trainX = images(data + "/train-images-idx3-ubyte.gz"), testX = images(data + "/t10k-images-idx3-ubyte.gz");
        int[] trainY = labels(data + "/train-labels-idx1-ubyte.gz"), testY = labels(data + "/t10k-labels-idx1-ubyte.gz");
        if (trainRows > 0 && trainRows < trainX.length) {
            trainX = Arrays.copyOf(trainX, trainRows);
            trainY = Arrays.copyOf(trainY, trainRows);
        }
        Dataset<Row> train = frame(spark, trainX, trainY, cores).persist(StorageLevel.MEMORY_ONLY());
        Dataset<Row> test = frame(spark, testX, testY, cores).persist(StorageLevel.MEMORY_ONLY());
        train.count();
        test.count();
        System.out.printf("Fashion-MNIST: %d training and %d test rows, %d partitions (master %s)%n", trainX.length, testX.length, cores,
                spark.sparkContext().master());

        // delta4j: every epoch's state is kept as a checkpoint, to find when it first reached the peer's accuracy.
        java.nio.file.Path dir = Files.createTempDirectory("delta4j-fashion-");
        MlpClassifier clf = new MlpClassifier().setLayers(784, 256, 128, 10).setActivations("relu").setOptimizer("adam")
                .setLearningRate(1e-3).setBatchSize(batch).setEpochs(epochs).setSeed(42).setMode(mode).setEngine("cpu")
                .setNumPartitions(cores).setCheckpointDir(dir.toUri().toString()).setKeepCheckpoints(true);
        long t0 = System.nanoTime();
        MlpClassificationModel model = clf.fit(train);
        double fitSeconds = (System.nanoTime() - t0) / 1e9;
        FitSummary summary = model.summary();
        float[] testFlat = flat(testX);
        double[] epochAccuracy = new double[summary.history().size()];
        try (Engine engine = Engines.create("cpu", new EngineConfig(cores, null))) {
            FileSystem fs = new Path(summary.checkpointFolder()).getFileSystem(spark.sparkContext().hadoopConfiguration());
            for (FileStatus f : fs.listStatus(new Path(summary.checkpointFolder()))) {
                String name = f.getPath().getName();
                if (name.matches("epoch-\\d+\\.d4c")) {
                    Mlp m = CheckpointFile.load(java.nio.file.Path.of(f.getPath().toUri())).state().model();
                    int e = Integer.parseInt(name.substring(6, name.length() - 4));
                    epochAccuracy[e - 1] = accuracy(m.predict(engine, testFlat), testY, 10);
                }
            }
            fs.delete(new Path(summary.checkpointFolder()), true);
            float[] p = model.network().predict(engine, testFlat);
            Files.deleteIfExists(dir);

            // The peer: MLlib's MLP, layers as delta4j's, its defaults otherwise (sigmoid hidden layers, softmax output,
            // L-BFGS, maxIter 100, blockSize 128, tol 1e-6), on the same DataFrame and the same cores.
            MultilayerPerceptronClassifier mlp = new MultilayerPerceptronClassifier().setLayers(new int[]{784, 256, 128, 10});
            if (peerMaxIter > 0) {
                mlp.setMaxIter(peerMaxIter);
            }
            long p0 = System.nanoTime();
            MultilayerPerceptronClassificationModel peer = mlp.fit(train);
            double peerSeconds = (System.nanoTime() - p0) / 1e9;
            double peerAccuracy = peerAccuracy(peer.transform(test));

            // Wall time from the fit's start to the end of epoch e: the fit's time less the epochs after e.
            List<EpochReport> h = summary.history();
            double reach = Double.NaN;
            int reachEpoch = 0;
            for (int e = 0; e < h.size(); e++) {
                if (epochAccuracy[e] >= peerAccuracy) {
                    double after = 0;
                    for (int j = e + 1; j < h.size(); j++) {
                        after += h.get(j).seconds();
                    }
                    reach = fitSeconds - after;
                    reachEpoch = e + 1;
                    break;
                }
            }
            String json = json(summary, epochAccuracy, p, testY, fitSeconds, mode, cores, peerMaxIter > 0 ? peerMaxIter : mlp.getMaxIter(),
                    peerAccuracy, peerSeconds, reach, reachEpoch);
            AtomicFiles.writeString(java.nio.file.Path.of(out), json);
            System.out.println(json);
        }
    }

    private static String json(FitSummary s, double[] epochAccuracy, float[] p, int[] labels, double fitSeconds, String mode, int cores,
                               int peerMaxIter, double peerAccuracy, double peerSeconds, double reach, int reachEpoch) throws IOException {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(w).useDefaultPrettyPrinter()) {
            g.writeStartObject();
            g.writeStringField("engine", "cpu");
            g.writeStringField("device", "spark " + mode + ", " + s.partitions() + " partitions");
            g.writeArrayFieldStart("epochs");
            for (int e = 0; e < s.history().size(); e++) {
                EpochReport r = s.history().get(e);
                g.writeStartObject();
                g.writeNumberField("epoch", r.epoch());
                number(g, "train_loss", r.trainLoss());
                number(g, "val_loss", r.validationLoss());
                number(g, "seconds", r.seconds());
                number(g, "test_accuracy", epochAccuracy[e]);
                g.writeEndObject();
            }
            g.writeEndArray();
            int n = labels.length;
            double loss = 0, mse = 0, mae = 0;
            for (int i = 0; i < n; i++) {
                loss -= Math.log(Math.max(p[i * 10 + labels[i]], 1e-30f));
                for (int k = 0; k < 10; k++) {
                    double d = p[i * 10 + k] - (k == labels[i] ? 1 : 0);
                    mse += d * d;
                    mae += Math.abs(d);
                }
            }
            g.writeObjectFieldStart("test");
            number(g, "loss", loss / n);
            number(g, "mse", mse / (10.0 * n));
            g.writeNullField("r2");
            number(g, "accuracy", accuracy(p, labels, 10));
            number(g, "mae", mae / (10.0 * n));
            g.writeEndObject();
            number(g, "samples_per_second", s.samplesPerSecond());
            number(g, "wall_seconds", fitSeconds);
            number(g, "seconds_to_peer_accuracy", reach);
            if (reachEpoch > 0) {
                g.writeNumberField("epoch_reaching_peer_accuracy", reachEpoch);
            } else {
                g.writeNullField("epoch_reaching_peer_accuracy");
            }
            g.writeNumberField("cores", cores);
            g.writeObjectFieldStart("peer");
            g.writeStringField("name", "Spark MLlib MultilayerPerceptronClassifier");
            g.writeArrayFieldStart("layers");
            for (int l : new int[]{784, 256, 128, 10}) {
                g.writeNumber(l);
            }
            g.writeEndArray();
            g.writeNumberField("max_iter", peerMaxIter);
            number(g, "accuracy", peerAccuracy);
            number(g, "wall_seconds", peerSeconds);
            g.writeEndObject();
            g.writeEndObject();
        }
        return w.toString();
    }

    private static void number(JsonGenerator g, String field, double v) throws IOException {
        if (Double.isFinite(v)) {
            g.writeNumberField(field, v);
        } else {
            g.writeNullField(field);
        }
    }

    private static double accuracy(float[] p, int[] labels, int k) {
        int right = 0;
        for (int i = 0; i < labels.length; i++) {
            int best = 0;
            for (int j = 1; j < k; j++) {
                if (p[i * k + j] > p[i * k + best]) {
                    best = j;
                }
            }
            right += best == labels[i] ? 1 : 0;
        }
        return (double) right / labels.length;
    }

    private static double peerAccuracy(Dataset<Row> predicted) {
        List<Row> rows = predicted.select("prediction", "label").collectAsList();
        int right = 0;
        for (Row r : rows) {
            right += r.getDouble(0) == r.getDouble(1) ? 1 : 0;
        }
        return (double) right / rows.size();
    }

    private static Dataset<Row> frame(SparkSession spark, float[][] x, int[] y, int partitions) {
        List<Row> rows = new ArrayList<>(x.length);
        for (int i = 0; i < x.length; i++) {
            double[] f = new double[x[i].length];
            for (int j = 0; j < f.length; j++) {
                f[j] = x[i][j];
            }
            Vector v = Vectors.dense(f).compressed();
            rows.add(RowFactory.create(v, (double) y[i]));
        }
        StructType schema = new StructType().add("features", SQLDataTypes.VectorType(), false).add("label", DataTypes.DoubleType, false);
        return spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, partitions), schema);
    }

    private static float[] flat(float[][] x) {
        float[] v = new float[x.length * x[0].length];
        for (int i = 0; i < x.length; i++) {
            System.arraycopy(x[i], 0, v, i * x[i].length, x[i].length);
        }
        return v;
    }

    /** IDX images (magic 2051), pixels scaled to [0, 1] as the cli reads them. */
    private static float[][] images(String file) throws IOException {
        try (DataInputStream in = open(file)) {
            if (in.readInt() != 2051) {
                throw new IOException(file + " is not an IDX image file");
            }
            int n = in.readInt(), size = in.readInt() * in.readInt();
            float[][] x = new float[n][size];
            byte[] row = new byte[size];
            for (int i = 0; i < n; i++) {
                in.readFully(row);
                for (int j = 0; j < size; j++) {
                    x[i][j] = (row[j] & 0xff) / 255f;
                }
            }
            return x;
        }
    }

    /** IDX labels (magic 2049). */
    private static int[] labels(String file) throws IOException {
        try (DataInputStream in = open(file)) {
            if (in.readInt() != 2049) {
                throw new IOException(file + " is not an IDX label file");
            }
            int[] y = new int[in.readInt()];
            for (int i = 0; i < y.length; i++) {
                y[i] = in.readUnsignedByte();
            }
            return y;
        }
    }

    private static DataInputStream open(String file) throws IOException {
        InputStream in = Files.newInputStream(java.nio.file.Path.of(file));
        return new DataInputStream(new java.io.BufferedInputStream(new GZIPInputStream(in, 1 << 16)));
    }
}
