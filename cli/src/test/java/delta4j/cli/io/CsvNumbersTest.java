package delta4j.cli.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The CSV reader's numbers read in place (a scan instead of the pattern, a parser on the line's characters) are the
 * pattern's and {@link Float#parseFloat}'s, bit for bit.
 */
class CsvNumbersTest {

    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    @TempDir
    Path dir;

    @Test
    void theScanTakesWhatThePatternTakes() {
        SplittableRandom r = new SplittableRandom(7);
        String alphabet = "0123456789+-.eE x";
        for (int n = 0; n < 200_000; n++) {
            StringBuilder sb = new StringBuilder();
            for (int len = r.nextInt(8); len > 0; len--) {
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            String s = sb.toString();
            assertEquals(NUMBER.matcher(s).matches(), CsvReader.plainNumber(s, 0, s.length()), () -> "'" + s + "'");
            String framed = "ab" + s + ";";
            assertEquals(NUMBER.matcher(s).matches(), CsvReader.plainNumber(framed, 2, 2 + s.length()), () -> "'" + s + "' in a line");
        }
    }

    @Test
    void aFileOfNumbersReadsAsFloatParseFloatReadsEachCell() throws IOException {
        SplittableRandom r = new SplittableRandom(11);
        int rows = 2000, cols = 6;
        String[] cells = new String[rows * cols];
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                String c = cell(r);
                cells[i * cols + j] = c;
                csv.append(j == 0 ? "" : ",").append(r.nextInt(8) == 0 ? " " + c + " " : c);
            }
            csv.append('\n');
        }
        Path p = dir.resolve("numbers.csv");
        Files.writeString(p, csv);
        LoadedData d = CsvReader.read(p, CsvReader.Options.regression(1));
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols - 1; j++) {
                String c = cells[i * cols + j];
                assertEquals(Float.floatToRawIntBits(Float.parseFloat(c)), Float.floatToRawIntBits(d.x()[i * (cols - 1) + j]),
                        () -> "'" + c + "'");
            }
            String t = cells[i * cols + cols - 1];
            assertEquals(Float.floatToRawIntBits(Float.parseFloat(t)), Float.floatToRawIntBits(d.y()[i]), () -> "'" + t + "'");
        }
    }

    @Test
    void aDecimalCommaFileReadsAsItsPointedTwin() throws IOException {
        SplittableRandom r = new SplittableRandom(13);
        StringBuilder comma = new StringBuilder("a;b;c\n"), point = new StringBuilder("a,b,c\n");
        for (int i = 0; i < 3000; i++) {
            for (int j = 0; j < 3; j++) {
                String c = cell(r);
                comma.append(j == 0 ? "" : ";").append(c.replace('.', ','));
                point.append(j == 0 ? "" : ",").append(c);
            }
            comma.append('\n');
            point.append('\n');
        }
        Path pc = dir.resolve("comma.csv"), pp = dir.resolve("point.csv");
        Files.writeString(pc, comma);
        Files.writeString(pp, point);
        LoadedData c = CsvReader.read(pc, CsvReader.Options.regression(1)), p = CsvReader.read(pp, CsvReader.Options.regression(1));
        assertArrayEquals(p.x(), c.x());
        assertArrayEquals(p.y(), c.y());
    }

    /** A number as CSV files hold them: integers, decimals of every length, exponents from subnormal to near overflow. */
    private static String cell(SplittableRandom r) {
        String sign = switch (r.nextInt(4)) {
            case 0 -> "-";
            case 1 -> "+";
            default -> "";
        };
        return switch (r.nextInt(6)) {
            case 0 -> sign + r.nextInt(256);
            case 1 -> sign + r.nextInt(1000) + "." + digits(r, 1 + r.nextInt(20));
            case 2 -> sign + "." + digits(r, 1 + r.nextInt(9));
            case 3 -> sign + digits(r, 1 + r.nextInt(12)) + ".";
            case 4 -> sign + r.nextInt(10) + "." + digits(r, r.nextInt(10)) + (r.nextBoolean() ? "e" : "E")
                    + (r.nextBoolean() ? "-" + r.nextInt(46) : (r.nextBoolean() ? "+" : "") + r.nextInt(38));
            default -> sign + Float.intBitsToFloat(r.nextInt(0x7f800000)); // every finite float's shortest text
        };
    }

    private static String digits(SplittableRandom r, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append((char) ('0' + r.nextInt(10)));
        }
        return sb.toString();
    }
}
