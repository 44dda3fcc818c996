package delta4j.cli.report;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class WordsTest {

    @Test
    void plurals() {
        assertEquals("1 sample", Words.count(1, "sample"));
        assertEquals("0 samples", Words.count(0, "sample"));
        assertEquals("1 class", Words.count(1, "class", "classes"));
        assertEquals("3 classes", Words.count(3, "class", "classes"));
    }

    @Test
    void learningRatesArePlainShortDecimals() {
        assertEquals("0.0001", Words.decimal(1e-4f));
        assertEquals("0.0001", Words.decimal(0.001f / 10)); // the float 1.00000005E-4
        assertEquals("0.001", Words.decimal(0.001f));
        assertEquals("0.01", Words.decimal(0.01f));
        assertEquals("50", Words.decimal(50f));
        assertEquals("0.3", Words.decimal(0.1f * 3));
        assertEquals("0", Words.decimal(0f));
        assertEquals("1.0E-9", Words.decimal(1e-9f));
    }
}
