package delta4j.benchmarks.report;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
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
        assertEquals(List.of(1.0, 2.5, -300.0), Json.array(m.get("a"), "a").stream().map(Json::number).toList());
        assertEquals("x\nyé", Json.object(m.get("b"), "b").get("c"));
        assertNull(m.get("d"));
        assertEquals(Boolean.TRUE, m.get("e"));
        assertEquals(List.of("a", "b", "d", "e"), List.copyOf(m.keySet()), "objects keep their order");
    }

    @Test
    void readsJmhNaNStringsAsNaN() {
        assertTrue(Double.isNaN(Json.number(Json.parse("\"NaN\""))));
    }

    @Test
    void wholeNumbersReadAsStringsWithoutAFraction() {
        assertEquals("3", Json.string(Json.parse("3.0"), "?"));
        assertEquals("60000", Json.string(Json.parse("60000"), "?"));
        assertEquals("?", Json.string(null, "?"));
    }

    @Test
    void roundTripsWhatItWrites() {
        Map<String, Object> m = Map.of("k", List.of(1, "two", Map.of("three", 3.5)));
        assertEquals(Json.parse(Json.write(m)), Json.parse(Json.write(Json.parse(Json.write(m)))));
        assertEquals("[\n  1,\n  \"two\"\n]\n", Json.write(List.of(1, "two")));
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("a", 1);
        o.put("b", List.of());
        assertEquals("{\n  \"a\": 1,\n  \"b\": [ ]\n}\n", Json.write(o));
    }

    @Test
    void writesNonFiniteNumbersAsNull() {
        assertEquals(Arrays.asList(null, null, 1.5, null), Json.parse(Json.write(List.of(Double.NaN, Double.POSITIVE_INFINITY, 1.5, Float.NaN))));
    }

    @Test
    void reportsWhereTheJsonIsBroken() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("{\n\"a\": [1, }"));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{} trailing"));
    }
}
