package delta4j.benchmarks;

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
 * weights. Target: the mapped epoch at least 0.9× as fast as the in-memory one.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar MappedEpochBenchmark -p source=memory,mapped -rf json -rff mapped-epoch.json
 * </pre>
 */
@Warmup(iterations = 2)
@Measurement(iterations = 10)
public class MappedEpochBenchmark extends EpochState {

    /** Where the samples are: "memory" (a Dataset on the heap) or "mapped" (a mapped binary data file). */
    @Param({"memory", "mapped"})
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
            default -> throw new IllegalArgumentException("source " + source + ": use memory or mapped");
        };
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
