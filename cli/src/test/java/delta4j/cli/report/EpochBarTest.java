package delta4j.cli.report;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The progress line keeps the numbers that matter down to 80 columns, and the bar takes what room is left. */
class EpochBarTest {

    static void assertNumbers(String line, String... parts) {
        for (String p : parts) {
            assertTrue(line.contains(p), () -> "'" + p + "' missing from: " + line);
        }
    }

    @Test
    void everyNumberStaysVisibleAt80Columns() {
        String line = EpochBar.render(80, "epoch  3/10", 27_000, 60_000, 0.4855, 0.5012, 2.0, false);
        assertTrue(line.length() <= 80, line.length() + ": " + line);
        assertNumbers(line, "epoch  3/10", "loss 0.4855", "val 0.5012", "13500 samples/s", "ETA 0:02", "45%");
        assertTrue(line.contains("│") && line.contains("█"), "there is room for a real bar: " + line);
        assertTrue(line.indexOf('│', line.indexOf('│') + 1) - line.indexOf('│') > 10, "the bar is wider than a character: " + line);
    }

    @Test
    void theLongestNumbersStillFitIn80Columns() {
        String line = EpochBar.render(80, "epoch 1000/1000", 1, 9_000_000, 123456.7, 234567.8, 0.0000001, false);
        assertTrue(line.length() <= 80, line.length() + ": " + line);
        assertNumbers(line, "epoch 1000/1000", "loss 1.235e+05", "val 2.346e+05", "10000000 samples/s", "ETA ");
    }

    @Test
    void aNarrowTerminalDropsTheBarBeforeAnyNumber() {
        String line = EpochBar.render(64, "epoch  3/10", 27_000, 60_000, 0.4855, 0.5012, 2.0, false);
        assertTrue(line.length() <= 64, line);
        assertFalse(line.contains("│"), line);
        assertNumbers(line, "epoch  3/10", "loss 0.4855", "val 0.5012", "13500 samples/s", "ETA 0:02");
    }

    @Test
    void subSecondEpochsHaveARealSpeed() {
        assertNumbers(EpochBar.render(80, "epoch 1/5", 64, 256, Double.NaN, Double.NaN, 0.004, false), "16000 samples/s", "loss -");
        assertNumbers(EpochBar.render(80, "epoch 1/5", 3, 256, Double.NaN, Double.NaN, 0.5, false), " 6.00 samples/s");
        assertNumbers(EpochBar.render(80, "epoch 1/5", 1, 256, Double.NaN, Double.NaN, 3, false), "0.333 samples/s");
        assertNumbers(EpochBar.render(80, "epoch 1/5", 0, 256, Double.NaN, Double.NaN, 0, false), "- samples/s", "ETA -");
    }

    @Test
    void aFinishedEpochShowsItsTimeAndLosses() {
        String line = EpochBar.render(80, "epoch 5/5", 256, 256, 0.01, Double.NaN, 0.42, true);
        assertNumbers(line, "100%", "loss 0.01000", "0.42 s");
        assertFalse(line.contains("val") || line.contains("ETA"), line);
    }

    @Test
    void barsAndClocks() {
        assertEquals("████▌     ", EpochBar.bar(0.45, 10));
        assertEquals("██████████", EpochBar.bar(1, 10));
        assertEquals("0:04", EpochBar.clock(3.6));
        assertEquals("1:02:03", EpochBar.clock(3723));
    }
}
