package delta4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Small CSV files of random rows for the command-line tests: a header, then one formatted line a row, from one seed. */
final class SyntheticCsv {

    private SyntheticCsv() {
    }

    /** One line of the file, ending in a newline, from the file's random numbers. */
    interface Row {
        String line(SplittableRandom rnd);
    }

    /**
     * Writes {@code rows} lines of {@code row} after {@code header}.
     *
     * @param file where to write
     * @param header the first line with its newline, or "" for none
     * @param rows the number of rows
     * @param seed the seed of the rows' random numbers
     * @param row one row's line
     * @return {@code file}
     * @throws IOException if the file cannot be written
     */
    static Path write(Path file, String header, int rows, long seed, Row row) throws IOException {
        StringBuilder sb = new StringBuilder(header);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < rows; i++) {
            sb.append(row.line(rnd));
        }
        Files.writeString(file, sb);
        return file;
    }
}
