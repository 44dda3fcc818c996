package delta4j.reliability;

import com.code_intelligence.jazzer.junit.FuzzTest;
import delta4j.io.ModelFile;
import delta4j.io.ModelFormatException;
import delta4j.model.Mlp;

import java.util.Arrays;

/**
 * Coverage-guided fuzzing of the model-file loader ({@link ModelFile#read}, which {@link ModelFile#load}
 * calls after its size check): any byte string is either a model or a {@link ModelFormatException} with a
 * message. Anything else (another exception type, an OutOfMemoryError under the module's 512 MiB heap, a
 * hang caught by {@link Hostile}'s watchdog) is a finding.
 *
 * <p>Each input is parsed twice: as it is (exercising the magic, version, length and checksum gates) and
 * with its CRC-32 recomputed, so that mutations reach the header parser behind the checksum. A model
 * that loads must also survive a save/load round trip byte for byte.
 *
 * <p>Seeds: {@code src/test/resources/delta4j/reliability/ModelFileFuzzTestInputs/anyBytesAreAModelOrAClearError/}.
 */
class ModelFileFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void anyBytesAreAModelOrAClearError(byte[] bytes) throws Exception {
        Hostile.guard(bytes, () -> {
            parse(bytes);
            parse(Hostile.withValidCrc(bytes));
        });
    }

    private static void parse(byte[] bytes) {
        Mlp m;
        try {
            m = ModelFile.read(bytes, "fuzz.d4j");
        } catch (ModelFormatException e) {
            Hostile.requireMessage(e);
            return;
        }
        byte[] again = ModelFile.toBytes(m);
        if (!Arrays.equals(bytes, again)) {
            throw new AssertionError("a model that loaded does not save to the same bytes: " + m);
        }
    }
}
