package delta4j.benchmarks.report;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parsing and formatting of the cold-start rows; the figures are made up, nothing is timed. */
class ColdStartTest {

    static final String JSON = """
            {"runs": [
             {"impl": "delta4j", "threads": 2, "epochs": 10, "round": 1, "wall_s": 5.0, "epoch_s": [0.6, 0.4, 0.4, 0.5, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4]},
             {"impl": "pytorch", "threads": 1, "epochs": 10, "round": 1, "wall_s": 12.0, "epoch_s": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]},
             {"impl": "pytorch", "threads": 2, "epochs": 10, "round": 1, "wall_s": 11.0, "epoch_s": [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]},
             {"impl": "delta4j", "threads": 2, "epochs": 2, "round": 1, "wall_s": 2.0, "epoch_s": [0.5, 0.4]},
             {"impl": "pytorch", "threads": 2, "epochs": 2, "round": 1, "wall_s": 3.5, "epoch_s": [0.9, 0.9]},
             {"impl": "delta4j", "threads": 2, "epochs": 10, "round": 2, "wall_s": 6.0, "epoch_s": [0.8, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4]},
             {"impl": "pytorch", "threads": 2, "epochs": 10, "round": 2, "wall_s": 10.8, "epoch_s": [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]}
            ], "unavailable": [], "meta": {"command": "cold_start.py --out x", "load_before": "1.0 1.0 1.0", "load_after": "2.0 1.5 1.0"}}
            """;

    @Test
    void parsesEveryRun() {
        ColdStart c = ColdStart.parse(JSON, "cold.json");
        assertEquals(7, c.runs().size());
        ColdStart.Run first = c.runs().getFirst();
        assertEquals("delta4j", first.impl());
        assertEquals(10, first.epochs());
        assertEquals(0.6, first.firstEpoch());
        assertEquals(0.4, first.medianEpoch());
    }

    @Test
    void ratiosArePerRoundAgainstPyTorchsFastestThreadCount() {
        ColdStart c = ColdStart.parse(JSON, "cold.json");
        assertEquals(List.of(11.0 / 5.0, 10.8 / 6.0), c.wallRatios(10));
        assertEquals(List.of(3.5 / 2.0), c.wallRatios(2));
        assertEquals(List.of(0.6 / 0.4, 0.8 / 0.4), c.firstEpochRatios(10));
    }

    @Test
    void theSectionShowsTheRowsAndTheTargets() {
        String md = ColdStart.parse(JSON, "cold.json").markdown();
        assertTrue(md.startsWith("## Cold start: the whole command\n"), md);
        assertTrue(md.contains("| 10 | **delta4j cpu** | 2 | 5.50 | 0.70 | 0.40 | 1.75× | 2.00× (2.20, 1.80) |"), md);
        assertTrue(md.contains("| 10 | PyTorch | 2 | 10.9 | 0.90 | 0.90 | 1.00× |  |"), md);
        assertTrue(md.contains("| 2 | **delta4j cpu** | 2 | 2.00 | 0.50 | 0.45 | 1.11× | 1.75× |"), md);
        assertTrue(md.contains("- first epoch of the 10-epoch run: 1.75× its median epoch (target ≤ 1.3×: missed)"), md);
        assertTrue(md.contains("- whole 10-epoch command: 2.00× (2.20, 1.80) as fast as PyTorch's whole script (target ≥ 2.0×: met)"), md);
        assertTrue(md.contains("- whole 2-epoch command: 1.75× as fast as PyTorch's whole script (target ≥ 1.5×: met)"), md);
        assertTrue(md.contains("Load average (1, 5, 15 min) 1.0 1.0 1.0 before and 2.0 1.5 1.0 after"), md);
    }

    @Test
    void theCoresRoundTripIsReportedWhereMeasuredAndSaysWhenTheyWereFarApart() {
        assertTrue(ColdStart.parse(JSON, "cold.json").coresApart().isEmpty(), "no round trips in these runs");
        String json = JSON.replace("\"round\": 1, \"wall_s\": 5.0,", "\"round\": 1, \"core_round_trip_ns\": 66, \"wall_s\": 5.0,")
                .replace("\"round\": 2, \"wall_s\": 6.0,", "\"round\": 2, \"core_round_trip_ns\": 320, \"wall_s\": 6.0,");
        ColdStart c = ColdStart.parse(json, "cold.json");
        assertEquals(66.0, c.runs().getFirst().coreRoundTripNs());
        assertTrue(Double.isNaN(c.runs().get(1).coreRoundTripNs()));
        String md = c.markdown();
        assertTrue(md.contains("10 epochs round 1 66 ns, 10 epochs round 2 320 ns; far apart after 1 of 2."), md);
    }

    @Test
    void aRunWithoutPyTorchSaysWhy() {
        String md = ColdStart.parse("{\"runs\": [], \"unavailable\": [\"python3-torch is not installed\"], \"meta\": {}}", "cold.json").markdown();
        assertTrue(md.contains("Not measured: python3-torch is not installed"), md);
    }

    @Test
    void aRunWithoutEpochsIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> ColdStart.parse(
                "{\"runs\": [{\"impl\": \"delta4j\", \"threads\": 2, \"epochs\": 2, \"round\": 1, \"wall_s\": 1.0, \"epoch_s\": []}]}", "cold.json"));
    }
}
