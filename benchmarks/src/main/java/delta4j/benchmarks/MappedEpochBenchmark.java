package delta4j.benchmarks;

import delta4j.data.ByteDataset;
import delta4j.data.DataFileWriter;
import delta4j.data.Dataset;
import delta4j.data.Labels;
import delta4j.data.MappedDataset;
import delta4j.data.Samples;
import delta4j.model.Mlp;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Does an epoch read from a memory-mapped binary data file keep up with one from memory? The epoch of
 * {@link EpochBenchmark} (Fashion-MNIST, 784-256-128-10, Adam, batch 128, one {@code fit} of one epoch per
 * operation) with the samples either in a {@link Dataset} on the heap ({@code source=memory}) or in a
 * {@link MappedDataset} ({@code source=mapped}): the same file the set-up writes with {@link DataFileWriter} into
 * {@code java.io.tmpdir} and maps, after the full check that reads it once, so it is in the page cache when the
 * measurement starts. The trainer gathers each batch from the mapping by index; both sources train to the same
 * weights. Target: the mapped epoch at least 0.9× as fast as the in-memory one. A third source, {@code source=bytes},
 * holds the pixels as bytes on the heap ({@link ByteDataset}, divisor 255: the same floats, and how {@code delta4j train}
 * keeps an IDX training set), which the engine converts in its gather: at least as fast as the floats.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar MappedEpochBenchmark -p source=memory,mapped,bytes -rf json -rff mapped-epoch.json
 * </pre>
 */
@Warmup(iterations = 2)
@Measurement(iterations = 10)
public class MappedEpochBenchmark extends EpochState {

    /**
     * Where the samples are: "memory" (a Dataset on the heap), "mapped" (a mapped binary data file) or "bytes" (the
     * pixels as bytes on the heap).
     */
    @Param({"memory", "mapped", "bytes"})
    public String source;

    private MappedDataset mapped;
    private Path file;

    @Override
    protected Mlp network() {
        return FashionEpoch.network();
    }

    @Override
    protected Samples samples(Dataset inMemory) throws IOException {
        return switch (source) {
            case "memory" -> inMemory;
            case "mapped" -> {
                file = Files.createTempFile("delta4j-fashion-", ".d4jdata");
                DataFileWriter.write(file, inMemory, Labels.numbered(FashionMnist.CLASSES));
                mapped = MappedDataset.open(file); // the full check reads the file once: it is in the page cache now
                yield mapped;
            }
            case "bytes" -> pixels(inMemory);
            default -> throw new IllegalArgumentException("source " + source + ": use memory, mapped or bytes");
        };
    }

    /**
     * The samples with each feature as the byte nearest to 255 times it: the same floats where they are pixels scaled to
     * [0, 1] (Fashion-MNIST), the same amount of work where they are made up.
     */
    private static ByteDataset pixels(Dataset d) {
        float[] x = d.featureMatrix();
        byte[] b = new byte[x.length];
        for (int i = 0; i < x.length; i++) {
            b[i] = (byte) Math.round(Math.min(1f, Math.max(0f, x[i])) * 255f);
        }
        return new ByteDataset(d.size(), d.features(), d.targets(), b, 255f, d.targetMatrix());
    }

    @Override
    protected void release() {
        if (mapped != null) {
            mapped.close();
            try {
                Files.deleteIfExists(file);
            } catch (IOException x) {
                throw new UncheckedIOException(x);
            }
        }
    }
}
