package delta4j.reliability;

import com.code_intelligence.jazzer.junit.FuzzTest;
import delta4j.cli.io.DataFileException;
import delta4j.cli.io.IdxReader;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

/**
 * Coverage-guided fuzzing of {@link IdxReader}, raw and gzip-compressed: any file is either images or
 * labels whose sizes match the header, or a {@link DataFileException} with a message. Headers that claim
 * gigabytes must fail from the bytes actually present, never by allocating what they claim (the
 * module's heap is 512 MiB).
 *
 * <p>Input layout: byte 0 bit 0 picks images (1) or labels (0); bit 1 gzips the rest before writing it,
 * so the fuzzer's mutations reach the IDX parser behind the decompressor as well as the decompressor
 * itself (seeds hold gzip files as they are). Seeds:
 * {@code src/test/resources/delta4j/reliability/IdxReaderFuzzTestInputs/anyIdxIsDataOrAClearError/}.
 */
class IdxReaderFuzzTest {

    private static final Path FILE = Hostile.scratch("fuzz.idx");

    @FuzzTest(maxDuration = "10s")
    void anyIdxIsDataOrAClearError(byte[] input) throws Exception {
        if (input.length == 0) {
            return;
        }
        boolean images = (input[0] & 1) != 0;
        byte[] body = Arrays.copyOfRange(input, 1, input.length);
        Files.write(FILE, (input[0] & 2) != 0 ? gzip(body) : body);
        Hostile.guard(input, () -> {
            try {
                if (images) {
                    IdxReader.Images im = IdxReader.readImages(FILE);
                    if (im.count() < 1 || (long) im.count() * im.rows() * im.cols() != im.pixels().length) {
                        throw new AssertionError("images whose sizes do not match their pixels: " + im.count() + "×" + im.rows() + "×" + im.cols());
                    }
                } else if (IdxReader.readLabels(FILE).length < 1) {
                    throw new AssertionError("an empty label file loaded");
                }
            } catch (DataFileException e) {
                Hostile.requireMessage(e);
            }
        });
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(raw);
        }
        return bos.toByteArray();
    }
}
