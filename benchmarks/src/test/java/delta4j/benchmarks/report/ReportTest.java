package delta4j.benchmarks.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report generator on a tiny fixture: JMH JSON of the cpu engine, the peers' JSON, and suite metadata. */
class ReportTest {

    @TempDir
    Path dir;

    private Results fixture() throws IOException {
        for (String f : List.of("jmh-00-SgemmBenchmark-cpu.json", "jmh-01-EpochBenchmark-cpu.json", "jmh-02-FmaPeakBenchmark-fma-loop.json",
                "peers.json", "suite.json")) {
            try (InputStream in = getClass().getResourceAsStream("/fixture/" + f)) {
                Files.copy(in, dir.resolve(f));
            }
        }
        return Results.read(dir);
    }

    @Test
    void readsJmhAndPeerRowsInSecondsWithFlopCounts() throws IOException {
        Results r = fixture();
        assertEquals(8, r.rows().size());
        Row cpu1 = r.rows().stream().filter(x -> x.impl().equals("cpu") && x.benchmark().equals("sgemm") && x.threads() == 1).findFirst().orElseThrow();
        assertEquals(0.010737418, cpu1.seconds(), 1e-12);
        assertEquals(2.0 * 1024 * 1024 * 1024, cpu1.flops());
        assertEquals(200.0, cpu1.gflops(), 1e-3); // 2·1024³ FLOPs in 10.737418 ms
        Row cpu2 = r.rows().stream().filter(x -> x.impl().equals("cpu") && x.benchmark().equals("sgemm") && x.threads() == 2).findFirst().orElseThrow();
        assertTrue(Double.isNaN(cpu2.error()), "one iteration has no spread");
    }

    @Test
    void aRowIsTheMedianOfItsIterationsWithHalfTheInterquartileRange() throws IOException {
        Row peak = fixture().rows().stream().filter(x -> x.benchmark().equals("peak")).findFirst().orElseThrow();
        // iterations 250, 290, 292.57, 295, 400 µs: median 292.57 (the 400 µs outlier does not move it), not the mean 305.5
        assertEquals(292.571428e-6, peak.seconds(), 1e-12);
        assertEquals((295.0 - 290.0) / 2 * 1e-6, peak.error(), 1e-12);
        assertEquals(175.0, peak.gflops(), 0.01); // 2·16 lanes·16 chains·100000 steps in 292.57 µs
        assertEquals(3.0, Stats.medianAndSpread(new double[]{5, 1, 3})[0]);
        assertEquals(2.5, Stats.medianAndSpread(new double[]{4, 1, 3, 2})[0]);
    }

    @Test
    void ratiosCompareWithThePeerAtTheSameThreadCount() throws IOException {
        Report report = new Report(fixture());
        Row cpu1 = report.find("sgemm", "cpu", "nn:1024x1024x1024", 1).orElseThrow();
        Row cpu2 = report.find("sgemm", "cpu", "nn:1024x1024x1024", 2).orElseThrow();
        assertEquals(1.0, report.ratio(cpu1, "openblas").orElseThrow(), 1e-6);   // 200 vs 200 GFLOP/s
        assertEquals(0.8, report.ratio(cpu2, "openblas").orElseThrow(), 1e-6);   // 400 vs 500 GFLOP/s
        assertEquals("openblas", report.bestPeer(cpu2).orElseThrow().impl());
        assertTrue(report.ratio(cpu1, "vectorblas").isEmpty(), "no VectorBLAS row in the fixture");
    }

    @Test
    void headlineStatesTheSgemmAndEpochRatiosFirst() throws IOException {
        Report report = new Report(fixture());
        String md = report.markdown("charts", List.of("sgemm-square-1t.png"), null);
        String[] lines = md.split("\n");
        assertEquals("# delta4j benchmarks", lines[0]);
        String head = String.join("\n", List.of(lines).subList(0, 8));
        assertTrue(head.contains("1024²: **1.00×** at 1 thread (200 vs 200 GFLOP/s), **0.80×** at 2 threads (400 vs 500 GFLOP/s) — target ≥ 0.9×"), head);
        // cpu's best epoch is 0.5 s at 2 threads; PyTorch's best is 1.2 s at 1 thread: 2.4× as fast.
        assertTrue(head.contains("**2.40×** as fast — 0.50 s at 2 threads against PyTorch's best, 1.20 s at 1 thread"), head);
        assertTrue(head.contains("opencl engine:** not measured — not available: no OpenCL platform"), head);
        assertTrue(head.contains("single-core FMA peak measured in this run** (175 GFLOP/s, FmaPeakBenchmark): 1024²: **114%** (200 GFLOP/s) — target ≥ 80%"), head);
        assertTrue(md.contains("| 1024² | 2 threads | **delta4j cpu** | 400 | — | 5.37 | 0.80× | — | 0.80× OpenBLAS (numpy) |"), md);
        assertTrue(md.contains("engine opencl: not available: no OpenCL platform (Sgemm)"), md);
        assertTrue(md.contains("peer Deeplearning4j: not run"), md);
    }

    @Test
    void thePredictionSectionComesAfterTheEpochAndBeforeWhatWasNotRun() throws IOException {
        Results results = fixture();
        assertTrue(!new Report(results).markdown("charts", List.of(), null).contains("## Predictions"), "no file, no section");
        String md = new Report(results).with(Prose.PREDICTION, "| path | 1 row |\n|---|---|\n| predictor | 1 µs |\n")
                .markdown("charts", List.of(), null);
        int section = md.indexOf("## Predictions: one-shot, bound network, predictor\n\n| path | 1 row |");
        assertTrue(section > md.indexOf("## Fashion-MNIST epoch") && section < md.indexOf("## Not run, and why"), md);
    }

    @Test
    void handMeasuredNotesAreKeptAfterTheGeneratedSectionsAndBeforeWhatWasNotRun() throws IOException {
        Results results = fixture();
        String notes = "## Before and after a change\n\nMeasured by hand on a named machine.\n";
        String md = new Report(results).with(Prose.PREDICTION, "| path | 1 row |\n|---|---|\n").with(Prose.NOTES, notes).markdown("charts", List.of(), null);
        int section = md.indexOf(notes.strip());
        assertTrue(section > md.indexOf("## Predictions") && section < md.indexOf("## Not run, and why"), md);
        assertTrue(!new Report(results).markdown("charts", List.of(), null).contains("## Before and after a change"), "no file, no section");
    }

    /** One JMH result of the cpu engine's 1024² product at one thread: iterations of {@code ms} and 3·ms per product. */
    private static String cpuSgemm(double ms) {
        return """
                [{"benchmark": "delta4j.benchmarks.SgemmBenchmark.sgemm", "params": {"engine": "cpu", "threads": "1",
                  "shape": "nn:1024x1024x1024"}, "primaryMetric": {"score": %s, "scoreUnit": "ms/op", "rawData": [[%s, %s]]}}]
                """.formatted(2 * ms, 3 * ms, ms);
    }

    private static String openBlasSgemm(double seconds) {
        return """
                {"results": [{"benchmark": "sgemm", "impl": "openblas", "key": "nn:1024x1024x1024", "threads": 1,
                  "seconds": %s, "error": null, "samples": 5, "best": %s}], "unavailable": [], "meta": {}}
                """.formatted(1.5 * seconds, seconds);
    }

    @Test
    void pairedRoundsGiveTheHeadlineTheMedianOfTheirPerRoundRatios() throws IOException {
        fixture();
        // Three rounds in which the machine's speed changes between rounds but not within one: between the two
        // sides' fastest iterations the per-round ratios are 0.9, 1.0 and 1.25, whatever the main run measured
        // at that shape and whatever the slower iterations took.
        double[][] rounds = {{10, 9}, {20, 20}, {8, 10}}; // {cpu ms, OpenBLAS ms}
        for (int r = 0; r < rounds.length; r++) {
            Path rd = dir.resolve("rounds").resolve("r" + (r + 1));
            Files.createDirectories(rd);
            Files.writeString(rd.resolve("jmh-02-SgemmBenchmark-cpu.json"), cpuSgemm(rounds[r][0]));
            Files.writeString(rd.resolve("peers-01.json"), openBlasSgemm(rounds[r][1] / 1000));
        }
        Files.createDirectories(dir.resolve("rounds").resolve("notes")); // not a round
        Results results = Results.read(dir);
        assertEquals(3, results.rounds().size());
        Report report = new Report(results);
        String head = String.join("\n", List.of(report.markdown("charts", List.of(), null).split("\n")).subList(0, 8));
        assertTrue(head.contains("1024²: **1.00×** (rounds 0.90, 1.00, 1.25) at 1 thread"), head);
        // The 2-thread ratio has no rounds: it stays the main run's.
        assertTrue(head.contains("**0.80×** at 2 threads (400 vs 500 GFLOP/s)"), head);
    }

    @Test
    void measurementsMadeOnlyInTheRoundsEnterTheTablesAsTheirMedian() {
        Row a = new Row("sgemm", "openblas", "nn:2048x2048x2048", 2, 0.10, Double.NaN, 1e9);
        Row b = new Row("sgemm", "openblas", "nn:2048x2048x2048", 2, 0.30, Double.NaN, 1e9);
        Row c = new Row("sgemm", "openblas", "nn:2048x2048x2048", 2, 0.20, Double.NaN, 1e9);
        Row inMain = new Row("sgemm", "cpu", "nn:2048x2048x2048", 2, 0.5, Double.NaN, 1e9);
        List<Row> merged = Report.acrossRounds(List.of(List.of(a, inMain), List.of(b), List.of(c)), List.of(inMain));
        assertEquals(1, merged.size(), "the main run's own row is not duplicated");
        assertEquals(0.20, merged.getFirst().seconds(), 1e-12);
        assertEquals(0.05, merged.getFirst().error(), 1e-12); // quartiles 0.15 and 0.25
    }

    @Test
    void writesChartsAsPng() throws IOException {
        Report report = new Report(fixture());
        System.setProperty("java.awt.headless", "true");
        Path charts = dir.resolve("charts");
        Files.createDirectories(charts);
        Files.writeString(charts.resolve("sgemm-square-7t.png"), "stale");
        List<String> names = report.drawCharts(charts);
        assertEquals(List.of("sgemm-square-1t.png", "sgemm-square-2t.png", "epoch.png"), names);
        for (String n : names) {
            byte[] png = Files.readAllBytes(charts.resolve(n));
            assertEquals((byte) 0x89, png[0]);
            assertEquals('P', png[1]);
        }
        assertTrue(Files.notExists(charts.resolve("sgemm-square-7t.png")), "a stale chart is removed");
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            // Written through the atomic writer: the permissions any new file gets, not a temporary file's 0600.
            var plain = Files.getPosixFilePermissions(Files.createFile(dir.resolve("plain")));
            assertEquals(plain, Files.getPosixFilePermissions(charts.resolve("epoch.png")));
        }
        try (var files = Files.list(charts)) {
            assertEquals(names.size(), files.count(), "no temporary file left");
        }
    }
}
