package delta4j.benchmarks;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the suite plans to launch, per profile and per engine availability (no JMH runs here). */
class SuiteTest {

    private static Map<String, String> available(String... unavailable) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String e : BenchEngines.ENGINES) {
            m.put(e, null);
        }
        for (String e : unavailable) {
            m.put(e, "no OpenCL platform: install pocl-opencl-icd");
        }
        return m;
    }

    private static Suite.Job job(List<Suite.Job> jobs, Class<?> c, String engine) {
        return jobs.stream().filter(j -> j.benchmark() == c && j.engine().equals(engine)).findFirst().orElseThrow();
    }

    @Test
    void quickProfileCapsTheReferenceEngineAndVectorBlas() {
        List<Suite.Job> jobs = new ArrayList<>();
        List<Suite.Skip> skips = new ArrayList<>();
        new Suite(Suite.Profile.QUICK, available(), 2).plan(jobs, skips);
        Suite.Job cpu = job(jobs, SgemmBenchmark.class, "cpu");
        assertEquals(List.of("1", "2"), cpu.params().get("threads"));
        assertEquals(10, cpu.params().get("shape").size(), "256² and 512² and the 8 backprop products (1024², 2048²: in the rounds)");
        assertEquals(List.of("nn:256x256x256", "nn:512x512x512"), job(jobs, SgemmBenchmark.class, "reference").params().get("shape"));
        assertFalse(job(jobs, SgemmBenchmark.class, "vectorblas").params().get("shape").contains("nn:2048x2048x2048"));
        assertEquals(List.of("0"), job(jobs, EpochBenchmark.class, "opencl").params().get("threads"));
        assertTrue(skips.stream().anyMatch(s -> s.engine().equals("reference") && s.benchmark().equals("EpochBenchmark")));
        assertEquals(20, cpu.combinations());
        assertTrue(jobs.stream().noneMatch(j -> j.benchmark() == EpochBenchmark.class && j.engine().equals("cpu")), "the cpu epoch is in the rounds");
        assertTrue(jobs.stream().noneMatch(j -> j.benchmark() == FmaPeakBenchmark.class), "the peak is in the rounds");
    }

    @Test
    void theTargetsAreMeasuredInRoundsWithEachPeerRightBeforeDelta4j() {
        Suite quick = new Suite(Suite.Profile.QUICK, available(), 2);
        assertEquals(5, quick.rounds());
        List<String> labels = quick.roundSteps().stream().map(Suite.Step::label).toList();
        assertEquals(List.of("FMA peak, 1 thread",
                "OpenBLAS sgemm nn:1024x1024x1024, 1 thread", "cpu sgemm nn:1024x1024x1024, 1 thread",
                "OpenBLAS sgemm nn:1024x1024x1024, 2 threads", "cpu sgemm nn:1024x1024x1024, 2 threads",
                "OpenBLAS sgemm nn:2048x2048x2048, 1 thread", "cpu sgemm nn:2048x2048x2048, 1 thread",
                "OpenBLAS sgemm nn:2048x2048x2048, 2 threads", "cpu sgemm nn:2048x2048x2048, 2 threads",
                "VectorBLAS sgemm nn:1024x1024x1024, 1 thread",
                "PyTorch epoch, 1 thread", "cpu epoch, 1 thread", "PyTorch epoch, 2 threads", "cpu epoch, 2 threads"), labels);
        Suite.Step ob = quick.roundSteps().get(1);
        assertEquals(List.of("openblas"), ob.peerPlan().get("impls"));
        assertEquals(List.of("nn:1024x1024x1024"), ob.peerPlan().get("gemm_shapes"));
        assertEquals(List.of(1), ob.peerPlan().get("threads"));
        assertEquals(null, ob.peerPlan().get("epoch"));
        // The main peer run leaves out what the rounds measure.
        assertEquals(List.of("nn:1024x1024x1024", "nn:2048x2048x2048"), quick.peerPlan().get("openblas_skip"));
        assertEquals(null, quick.peerPlan().get("epoch"));
        // Without the cpu engine there is nothing to pair.
        assertEquals(0, new Suite(Suite.Profile.QUICK, available("cpu"), 2).rounds());
        assertEquals(0, new Suite(Suite.Profile.GPU, available(), 16).rounds());
    }

    @Test
    void anUnavailableEngineIsSkippedWithItsReason() {
        List<Suite.Job> jobs = new ArrayList<>();
        List<Suite.Skip> skips = new ArrayList<>();
        new Suite(Suite.Profile.SMOKE, available("opencl"), 2).plan(jobs, skips);
        assertTrue(jobs.stream().noneMatch(j -> j.engine().equals("opencl")));
        assertEquals(5, skips.stream().filter(s -> s.engine().equals("opencl") && s.reason().contains("install pocl-opencl-icd")).count());
        // smoke: every benchmark class runs on every available engine, once (sgemm: one square, one layer product)
        for (Class<?> c : List.of(SgemmBenchmark.class, ForwardBenchmark.class, BackwardBenchmark.class,
                TrainingStepBenchmark.class)) {
            assertEquals(1, job(jobs, c, "cpu").combinations(), c.getSimpleName());
            assertEquals(0, job(jobs, c, "cpu").warmups());
        }
        // ... and one round tries the paired flow: 256² and the epoch, each after its peer.
        Suite smoke = new Suite(Suite.Profile.SMOKE, available("opencl"), 2);
        assertEquals(1, smoke.rounds());
        assertEquals(List.of("FMA peak, 1 thread", "OpenBLAS sgemm nn:256x256x256, 2 threads", "cpu sgemm nn:256x256x256, 2 threads",
                "VectorBLAS sgemm nn:256x256x256, 1 thread", "PyTorch epoch, 2 threads", "cpu epoch, 2 threads"),
                smoke.roundSteps().stream().map(Suite.Step::label).toList());
    }

    @Test
    void fullProfileWidensShapesThreadsAndNetworks() {
        List<Suite.Job> jobs = new ArrayList<>();
        new Suite(Suite.Profile.FULL, available(), 8).plan(jobs, new ArrayList<>());
        assertEquals(List.of("1", "2", "8"), job(jobs, SgemmBenchmark.class, "cpu").params().get("threads"));
        assertEquals(10, job(jobs, SgemmBenchmark.class, "reference").params().get("shape").size(), "squares to 512 and the layer products");
        assertTrue(job(jobs, SgemmBenchmark.class, "vectorblas").params().get("shape").contains("nn:2048x2048x2048"));
        assertEquals(List.of(NetShape.FASHION, NetShape.WIDE), job(jobs, ForwardBenchmark.class, "cpu").params().get("net"));
    }

    @Test
    void gpuProfileMeasuresTheOpenClEngineAlone() {
        List<Suite.Job> jobs = new ArrayList<>();
        new Suite(Suite.Profile.GPU, available(), 16).plan(jobs, new ArrayList<>());
        assertTrue(jobs.stream().allMatch(j -> j.engine().equals("opencl")), jobs.toString());
        assertTrue(job(jobs, SgemmBenchmark.class, "opencl").params().get("shape").contains("nn:4096x4096x4096"));
    }

    /**
     * Results are written through the one atomic writer: a new file gets the permissions any new file in its
     * folder gets (not a temporary file's owner-only 0600), a replaced file keeps its own, and no temporary
     * file is left behind.
     */
    @Test
    void resultsAreWrittenAtomicallyWithOrdinaryPermissions(@TempDir Path dir) throws IOException {
        Assumptions.assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path plain = Files.createFile(dir.resolve("plain"));
        Path json = dir.resolve("results").resolve("suite.json");
        Suite.writeAtomically(json, "{}");
        assertEquals("{}", Files.readString(json));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(json), "a new file's permissions");
        Files.setPosixFilePermissions(json, PosixFilePermissions.fromString("rw-r-----"));
        Suite.writeAtomically(json, "{\"a\": 1}");
        assertEquals("{\"a\": 1}", Files.readString(json));
        assertEquals(PosixFilePermissions.fromString("rw-r-----"), Files.getPosixFilePermissions(json), "a replaced file's permissions");
        try (var files = Files.list(json.getParent())) {
            assertEquals(List.of(json), files.toList(), "no temporary file left");
        }
    }

    @Test
    void checkNamesTheRunsWithoutResults(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("suite.json"), """
                {"environment": {}, "jobs": [
                  {"benchmark": "SgemmBenchmark", "engine": "cpu", "combinations": 2},
                  {"benchmark": "EpochBenchmark", "engine": "cpu", "combinations": 1}]}
                """);
        Files.writeString(dir.resolve("jmh-00-SgemmBenchmark-cpu.json"), """
                [{"benchmark": "delta4j.benchmarks.SgemmBenchmark.sgemm", "params": {"engine": "cpu", "threads": "1",
                  "shape": "nn:256x256x256"}, "primaryMetric": {"score": 1.5, "scoreError": "NaN", "scoreUnit": "ms/op"}}]
                """);
        List<String> problems = Suite.check(dir);
        assertEquals(List.of("SgemmBenchmark/cpu: 1 of 2 parameter combinations produced a result",
                "EpochBenchmark/cpu: 0 of 1 parameter combinations produced a result"), problems);
    }

    @Test
    void checkNamesARoundWithoutItsJmhResults(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("suite.json"), """
                {"environment": {}, "jobs": [], "rounds": 2, "round_steps": [
                  {"label": "OpenBLAS sgemm", "job": null},
                  {"label": "cpu sgemm", "job": {"benchmark": "SgemmBenchmark", "engine": "cpu", "combinations": 1}}]}
                """);
        Path r1 = Files.createDirectories(dir.resolve("rounds").resolve("r1"));
        Files.writeString(r1.resolve("jmh-01-SgemmBenchmark-cpu.json"), """
                [{"benchmark": "delta4j.benchmarks.SgemmBenchmark.sgemm", "params": {"engine": "cpu", "threads": "1",
                  "shape": "nn:256x256x256"}, "primaryMetric": {"score": 1.5, "scoreError": "NaN", "scoreUnit": "ms/op"}}]
                """);
        assertEquals(List.of("round 2: 0 of 1 JMH steps produced a result"), Suite.check(dir));
    }
}
