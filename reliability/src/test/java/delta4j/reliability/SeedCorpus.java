package delta4j.reliability;

import delta4j.data.DataFileWriter;
import delta4j.io.CheckpointFile;
import delta4j.io.ModelFile;
import delta4j.data.Dataset;
import delta4j.engine.Engine;
import delta4j.engine.reference.ReferenceEngine;
import delta4j.model.Optimizer;
import delta4j.model.Trainer;
import delta4j.model.TrainingConfig;
import delta4j.model.TrainingState;
import delta4j.data.Labels;
import delta4j.data.Standardizer;
import delta4j.engine.Activation;
import delta4j.engine.Loss;
import delta4j.model.Mlp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the hand-made seed inputs of the fuzz tests (valid files of each kind, so the fuzzer starts
 * from deep inside each format). Run by hand after a format change, from the module folder:
 * <pre>java -cp target/test-classes:$(cat target/cp.txt) delta4j.reliability.SeedCorpus src/test/resources</pre>
 * Inputs the fuzzer finds interesting are added to the same folders by hand (see docs/RELIABILITY.md).
 */
public final class SeedCorpus {

    private SeedCorpus() {
    }

    /** A version 3 model: layer norm with dropout, batch norm, a Huber loss with its δ. */
    static Mlp layers() {
        Mlp m = Mlp.builder(2).dense(4, Activation.TANH).layerNorm().dropout(0.25).dense(3, Activation.RELU).batchNorm()
                .dense(1, Activation.IDENTITY).loss(Loss.HUBER, 0.5f).seed(6).build();
        m.setGains(0, new float[] {0.5f, 1f, 1.5f, 2f});
        m.setRunningStatistics(1, new float[] {0.25f, -0.5f, 1f}, new float[] {1f, 2f, 0.5f});
        return m;
    }

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : "src/test/resources").resolve("delta4j/reliability");
        Path models = dir(root, "ModelFileFuzzTestInputs/anyBytesAreAModelOrAClearError");
        Mlp small = Mlp.builder(2).dense(3, Activation.TANH).dense(1, Activation.IDENTITY).seed(1).build();
        Files.write(models.resolve("seed-regression"), ModelFile.toBytes(small));
        Mlp classes = Mlp.builder(2).dense(2, Activation.RELU).dense(3, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(2).build();
        classes.setStandardizer(new Standardizer(new float[] {0.5f, -1f}, new float[] {2f, 0.25f}));
        classes.setLabels(new Labels(List.of("cat", "dog", "ünïcödé")));
        Files.write(models.resolve("seed-classifier"), ModelFile.toBytes(classes));
        Mlp deep = Mlp.builder(1).dense(2, Activation.SIGMOID).dense(2, Activation.LEAKY_RELU).dense(1, Activation.IDENTITY).seed(3).build();
        Files.write(models.resolve("seed-deep"), ModelFile.toBytes(deep));
        Mlp prices = Mlp.builder(2).dense(3, Activation.RELU).dense(2, Activation.IDENTITY).seed(5).build();
        prices.setTargetStandardizer(new Standardizer(new float[] {1.5e6f, -2f}, new float[] {3e5f, 0.5f}));
        Files.write(models.resolve("seed-target-standardizer"), ModelFile.toBytes(prices));
        Files.write(models.resolve("seed-layers"), ModelFile.toBytes(layers()));

        Path ckpt = dir(root, "CheckpointFileFuzzTestInputs/anyBytesAreACheckpointOrAClearError");
        Dataset data = Dataset.of(new float[][] {{0, 0}, {0, 1}, {1, 0}, {1, 1}, {0.5f, 0.5f}}, new float[][] {{0}, {1}, {1}, {0}, {1}});
        for (String opt : new String[] {"sgd", "adam"}) {
            List<TrainingState> states = new ArrayList<>();
            TrainingConfig.Builder cfg = TrainingConfig.builder().optimizer(Optimizer.parse(opt, 0.1f)).batchSize(2).maxEpochs(2)
                    .checkpointEvery(2, states::add);
            if (opt.equals("adam")) {
                cfg.validationFraction(0.4).patience(3);
            }
            Mlp net = Mlp.builder(2).dense(2, Activation.TANH).dense(1, Activation.SIGMOID).seed(4).build();
            try (Engine e = new ReferenceEngine()) {
                new Trainer(e, cfg.build()).fit(net, data);
            }
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("optimizer", opt);
            settings.put("seed", "42");
            Files.write(ckpt.resolve("seed-" + opt), CheckpointFile.toBytes(states.getLast(), settings));
        }

        Path csv = dir(root, "CsvReaderFuzzTestInputs/anyCsvIsDataOrAClearError");
        csv(csv, "seed-regression", 0, "x1,x2,y\n1,2,3\n4.5,-6e2,7\n");
        csv(csv, "seed-two-targets", 8, "1,2,3,4\n5,6,7,8\n");
        csv(csv, "seed-semicolon", 1, "\uFEFFa;b;c\n1,5;2;3\n\n4;5,25;6\n");
        csv(csv, "seed-quoted", 0, "\"x\",\"y, z\",t\n\"1\",\"2\",\"3\"\n");
        csv(csv, "seed-classes", 2, "f1,f2,label\n0.1,0.2,cat\n0.3,0.4,dog\n0.5,0.6,cat\n");
        csv(csv, "seed-known-labels", 3, "1,2,a\n3,4,b\n");
        csv(csv, "seed-ignored-targets", 4, "1,2\n3,4\n");
        csv(csv, "seed-model-features", 5, "1,2,3\n4,5,6\n");

        Path idx = dir(root, "IdxReaderFuzzTestInputs/anyIdxIsDataOrAClearError");
        byte[] images = idx(new int[] {2, 2, 3}, new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, (byte) 255});
        byte[] labels = idx(new int[] {3}, new byte[] {0, 9, 1});
        Files.write(idx.resolve("seed-images"), prefixed(1, images));
        Files.write(idx.resolve("seed-labels"), prefixed(0, labels));
        Files.write(idx.resolve("seed-images-gz"), prefixed(1, IdxReaderFuzzTest.gzip(images)));
        Files.write(idx.resolve("seed-labels-gz"), prefixed(0, IdxReaderFuzzTest.gzip(labels)));
        Files.write(idx.resolve("seed-images-gzipped-by-target"), prefixed(3, images));

        Path dataFiles = dir(root, "DataFileFuzzTestInputs/anyBytesAreADataSetOrAClearError");
        Path tmp = Files.createTempFile("seed", ".d4jdata");
        try {
            try (DataFileWriter w = DataFileWriter.regression(tmp, 2, 1)) {
                w.featureNames(List.of("size", "ünïcödé")).targetNames(List.of("price"));
                w.append(new float[] {1.5f, -2f}, new float[] {3e5f});
                w.append(new float[] {0f, 7f}, new float[] {-1f});
                w.finish();
            }
            Files.copy(tmp, dataFiles.resolve("seed-regression"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            try (DataFileWriter w = DataFileWriter.classification(tmp, 3, null)) {
                w.append(new float[] {0.25f, 0.5f, 1f}, "dog");
                w.append(new float[] {0f, 0f, 0f}, "cat");
                w.append(new float[] {1f, 1f, 0.5f}, "dog");
                w.featuresScaled(true).finish();
            }
            Files.copy(tmp, dataFiles.resolve("seed-classification"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static Path dir(Path root, String sub) throws IOException {
        return Files.createDirectories(root.resolve(sub));
    }

    private static void csv(Path dir, String name, int options, String text) throws IOException {
        Files.write(dir.resolve(name), prefixed(options, text.getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] prefixed(int first, byte[] rest) {
        byte[] b = new byte[rest.length + 1];
        b[0] = (byte) first;
        System.arraycopy(rest, 0, b, 1, rest.length);
        return b;
    }

    static byte[] idx(int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) 0x08).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(data).array();
    }
}
