package delta4j.reliability;

import com.code_intelligence.jazzer.junit.FuzzTest;
import delta4j.cli.io.CsvReader;
import delta4j.cli.io.DataFileException;
import delta4j.cli.io.LoadedData;
import delta4j.data.Labels;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Coverage-guided fuzzing of {@link CsvReader}: any file content, read with any of the option sets the
 * CLI uses, is either data whose shape adds up or a {@link DataFileException} with a message.
 *
 * <p>Input layout: byte 0 picks the options (regression with 1 to 3 target columns, classification
 * with labels from the file or from a model, a model's feature count with targets required or
 * ignored); the remaining bytes are the file. Seeds:
 * {@code src/test/resources/delta4j/reliability/CsvReaderFuzzTestInputs/anyCsvIsDataOrAClearError/}.
 */
class CsvReaderFuzzTest {

    private static final Path FILE = Hostile.scratch("fuzz.csv");

    @FuzzTest(maxDuration = "10s")
    void anyCsvIsDataOrAClearError(byte[] input) throws Exception {
        if (input.length == 0) {
            return;
        }
        CsvReader.Options options = options(input[0]);
        Files.write(FILE, Arrays.copyOfRange(input, 1, input.length));
        Hostile.guard(input, () -> {
            try {
                check(CsvReader.read(FILE, options), options);
            } catch (DataFileException e) {
                Hostile.requireMessage(e);
            }
        });
    }

    static CsvReader.Options options(byte b) {
        int k = 1 + Math.floorMod(b >> 3, 3);
        Labels known = new Labels(List.of("a", "b", "0", "1"));
        return switch (Math.floorMod(b, 8)) {
            case 0, 1 -> CsvReader.Options.regression(k);
            case 2 -> CsvReader.Options.classification();
            case 3 -> new CsvReader.Options(CsvReader.Task.CLASSIFICATION, 1, known, 2, CsvReader.Targets.REQUIRED);
            case 4 -> new CsvReader.Options(CsvReader.Task.CLASSIFICATION, 1, known, 2, CsvReader.Targets.IGNORED);
            case 5 -> new CsvReader.Options(CsvReader.Task.REGRESSION, k, null, 2, CsvReader.Targets.REQUIRED);
            case 6 -> new CsvReader.Options(CsvReader.Task.REGRESSION, k, null, 3, CsvReader.Targets.IGNORED);
            default -> new CsvReader.Options(CsvReader.Task.REGRESSION, k, null, 0, CsvReader.Targets.IGNORED);
        };
    }

    /** Data that loaded must be consistent: sizes add up, values finite, one-hot rows for classes. */
    static void check(LoadedData d, CsvReader.Options o) {
        if (d.rows() < 1 || d.features() < 1 || d.x().length != d.rows() * d.features()) {
            throw new AssertionError("inconsistent features: " + d.describe());
        }
        for (float v : d.x()) {
            if (!Float.isFinite(v)) {
                throw new AssertionError("a non-finite feature got through: " + v);
            }
        }
        if (o.expectedFeatures() > 0 && d.features() != o.expectedFeatures()) {
            throw new AssertionError("expected " + o.expectedFeatures() + " features, read " + d.features());
        }
        if (d.hasTargets()) {
            if (d.y().length != d.rows() * d.targets()) {
                throw new AssertionError("inconsistent targets: " + d.describe());
            }
            for (float v : d.y()) {
                if (!Float.isFinite(v)) {
                    throw new AssertionError("a non-finite target got through: " + v);
                }
            }
        } else if (o.targets() == CsvReader.Targets.REQUIRED) {
            throw new AssertionError("targets were required but none were read: " + d.describe());
        }
    }
}
