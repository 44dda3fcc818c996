package delta4j.benchmarks.report;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {

    @Test
    void parsesNestedValues() {
        Map<String, Object> m = Json.object(Json.parse("{\"a\": [1, 2.5, -3e2], \"b\": {\"c\": \"x\\ny\\u00e9\"}, \"d\": null, \"e\": true}"), "test");
        assertEquals(List.of(1.0, 2.5, -300.0), m.get("a"));
        assertEquals("x\nyé", Json.object(m.get("b"), "b").get("c"));
        assertNull(m.get("d"));
        assertEquals(Boolean.TRUE, m.get("e"));
    }

    @Test
    void readsJmhNaNStringsAsNaN() {
        assertTrue(Double.isNaN(Json.number(Json.parse("\"NaN\""))));
    }

    @Test
    void roundTripsWhatItWrites() {
        Map<String, Object> m = Map.of("k", List.of(1, "two", Map.of("three", 3.5)));
        assertEquals(Json.parse(Json.write(m)), Json.parse(Json.write(Json.parse(Json.write(m)))));
        assertEquals("[\n  1,\n  \"two\"\n]\n", Json.write(List.of(1, "two")));
    }

    @Test
    void reportsWhereTheJsonIsBroken() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("{\n\"a\": [1, }"));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }
}
