package delta4j.benchmarks;

import delta4j.benchmarks.report.Json;
import delta4j.benchmarks.report.Results;
import delta4j.benchmarks.report.Row;
import delta4j.io.AtomicFiles;
import dev.ludovic.netlib.blas.JavaBLAS;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Plans and runs the benchmark suite for one profile, so that only combinations that can run here are launched.
 *
 * <pre>
 * Suite plan  PROFILE FILE   writes the plan (shapes, networks, thread counts) for the peer script
 * Suite run   PROFILE DIR    runs JMH job by job into DIR/jmh-*.json, then the paired rounds into DIR/rounds/rN/,
 *                            and writes DIR/suite.json
 * Suite check DIR            exits 1 unless every planned combination produced a result
 * </pre>
 *
 * JMH crosses every {@code @Param} with every other, but the suite needs per-engine choices (the plain-Java
 * reference engine only on small products, VectorBLAS only on one thread, the opencl engine at its device's
 * own parallelism), so each engine of each benchmark is its own JMH run.
 *
 * <p>The comparisons the targets are stated in (sgemm 1024² and 2048² against OpenBLAS, the one-thread product against
 * the FMA peak and against VectorBLAS, the epoch against PyTorch) are measured in {@linkplain #rounds() rounds} instead:
 * within a round each peer runs right before the delta4j measurement it is compared with, seconds apart, so that
 * a burst of other work on a shared machine moves both sides of a ratio rather than one. The report states each of
 * these targets as the median of its per-round ratios. Engines that are unknown or cannot
 * run here are not launched: {@code suite.json} lists them with the reason, and the report prints it.
 */
public final class Suite {

    /**
     * The profiles: smoke (every benchmark once, tiny), quick (minutes on 2 cores), full, and gpu (the opencl
     * engine alone on a machine with an OpenCL GPU, larger squares; its results are merged into the CPU report).
     */
    public enum Profile { SMOKE, QUICK, FULL, GPU }

    /**
     * One JMH run.
     *
     * @param benchmark  the benchmark class
     * @param engine     the engine (or "vectorblas") it runs on
     * @param params     the other parameters, each with its values (crossed by JMH)
     * @param warmups    warm-up iterations
     * @param warmupSeconds warm-up iteration time (ignored by single-shot benchmarks)
     * @param iterations measured iterations
     * @param seconds    iteration time (ignored by single-shot benchmarks)
     */
    public record Job(Class<?> benchmark, String engine, Map<String, List<String>> params, int warmups, double warmupSeconds,
                      int iterations, double seconds) {

        /** The number of parameter combinations, each of which must yield a result. */
        public int combinations() {
            return params.values().stream().mapToInt(List::size).reduce(1, (x, y) -> x * y);
        }

        String fileName(int index) {
            return String.format("jmh-%02d-%s-%s.json", index, benchmark.getSimpleName(), engine);
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("benchmark", benchmark.getSimpleName());
            m.put("engine", engine);
            m.put("params", params);
            m.put("warmups", warmups);
            m.put("warmup_seconds", warmupSeconds);
            m.put("iterations", iterations);
            m.put("seconds", seconds);
            m.put("combinations", combinations());
            return m;
        }
    }

    /** A benchmark × engine that was not run, and why. */
    public record Skip(String benchmark, String engine, String reason) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("benchmark", benchmark);
            m.put("engine", engine);
            m.put("reason", reason);
            return m;
        }
    }

    /**
     * One step of a paired round: a JMH run of delta4j ({@code job}) or a run of the peer script on a one-item plan
     * ({@code peerPlan}); exactly one of the two is set.
     */
    public record Step(String label, Job job, Map<String, Object> peerPlan) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("label", label);
            m.put("job", job == null ? null : job.toJson());
            return m;
        }
    }

    /** Square sizes of the sgemm benchmark. */
    static final int[] SQUARES = {256, 512, 1024, 2048, 4096};

    /**
     * The three backprop products of a 784-512-512-10 network at batch 256: forward A[l-1]·W[l] for every layer,
     * δ propagation Δ[l+1]·W[l+1]ᵀ into both hidden layers, weight gradients A[l-1]ᵀ·Δ[l] for every layer,
     * including the narrow n = 10 (and k = 10) products of the output layer.
     */
    static final List<String> LAYER_PRODUCTS = List.of(
            "nn:256x784x512", "nn:256x512x512", "nn:256x512x10",
            "nt:256x512x512", "nt:256x10x512",
            "tn:784x256x512", "tn:512x256x512", "tn:512x256x10");

    private final Profile profile;
    private final Map<String, String> availability;
    private boolean openclOnGpu;
    private final List<Integer> threads;

    Suite(Profile profile, Map<String, String> availability, int cores) {
        this.profile = profile;
        this.availability = availability;
        Set<Integer> t = new LinkedHashSet<>();
        t.add(1);
        if (cores >= 2) {
            t.add(2);
        }
        if (profile == Profile.FULL && cores > 2) {
            t.add(cores);
        }
        this.threads = List.copyOf(t);
    }

    /** The thread counts the cpu engine and the peers run at: 1 and 2 (and all cores, in the full profile). */
    List<Integer> threads() {
        return profile == Profile.SMOKE ? List.of(threads.getLast()) : threads;
    }

    private static List<String> squares(int max) {
        return IntStream.of(SQUARES).filter(n -> n <= max).mapToObj(n -> GemmShape.square(n).id()).toList();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** The gemm shapes the peers measure (every shape any engine runs). */
    List<String> gemmShapes() {
        return profile == Profile.SMOKE ? List.of(GemmShape.square(256).id(), LAYER_PRODUCTS.getFirst())
                : concat(squares(profile == Profile.GPU ? 4096 : 2048), LAYER_PRODUCTS);
    }

    /** The networks of the forward, backward and training-step benchmarks. */
    List<String> nets() {
        return profile == Profile.FULL || profile == Profile.GPU ? List.of(NetShape.FASHION, NetShape.WIDE) : List.of(NetShape.FASHION);
    }

    /** Samples per epoch. */
    int epochSamples() {
        return profile == Profile.SMOKE ? 1024 : FashionMnist.TRAIN_SAMPLES;
    }

    /**
     * Paired rounds per run: 5 in the quick and full profiles (the median of five per-round ratios stands when two
     * rounds are disturbed; with three, one disturbed round of the two that remain moved it by 0.2), 1 in smoke (to
     * try the flow); none on a GPU.
     */
    int rounds() {
        if (availability.get("cpu") != null) {
            return 0; // every paired comparison is the cpu engine's
        }
        return switch (profile) {
            case SMOKE -> 1;
            case QUICK, FULL -> 5;
            case GPU -> 0;
        };
    }

    /** The squares whose sgemm ratios are targets, measured in the rounds. */
    List<String> pairedSquares() {
        return rounds() == 0 ? List.of() : profile == Profile.SMOKE ? List.of(GemmShape.square(256).id())
                : List.of(GemmShape.square(1024).id(), GemmShape.square(2048).id());
    }

    /** The one-thread square compared with VectorBLAS in the rounds. */
    private String vectorBlasSquare() {
        return pairedSquares().getFirst();
    }

    /**
     * The steps of one round: the FMA peak; for each paired square and thread count OpenBLAS, then the cpu engine;
     * VectorBLAS; for each thread count a PyTorch epoch, then the cpu engine's.
     */
    List<Step> roundSteps() {
        if (rounds() == 0) {
            return List.of();
        }
        boolean smoke = profile == Profile.SMOKE;
        int wi = smoke ? 0 : profile == Profile.FULL ? 5 : 4;
        int it = smoke ? 1 : 5;
        double sec = seconds();
        double warmSec = smoke ? 0.1 : 1.0;
        List<Step> steps = new ArrayList<>();
        steps.add(new Step("FMA peak, 1 thread", new Job(FmaPeakBenchmark.class, "fma-loop", params("threads", List.of("1"),
                "lanes", List.of(Integer.toString(FmaPeakBenchmark.preferredLanes()))), smoke ? 0 : 2, warmSec, it, sec), null));
        for (String shape : pairedSquares()) {
            for (int t : threads()) {
                String where = shape + ", " + t + (t == 1 ? " thread" : " threads");
                steps.add(new Step("OpenBLAS sgemm " + where, null, stepPlan(t, List.of(shape), false, "openblas")));
                steps.add(new Step("cpu sgemm " + where, new Job(SgemmBenchmark.class, "cpu", params("engine", List.of("cpu"),
                        "threads", List.of(Integer.toString(t)), "shape", List.of(shape)), wi, warmSec, it, sec), null));
            }
        }
        steps.add(new Step("VectorBLAS sgemm " + vectorBlasSquare() + ", 1 thread", new Job(SgemmBenchmark.class, SgemmBenchmark.VECTORBLAS,
                params("engine", List.of(SgemmBenchmark.VECTORBLAS), "threads", List.of("1"), "shape", List.of(vectorBlasSquare())),
                wi, warmSec, it, sec), null));
        for (int t : threads()) {
            String where = t + (t == 1 ? " thread" : " threads");
            steps.add(new Step("PyTorch epoch, " + where, null, stepPlan(t, List.of(), true, "pytorch")));
            steps.add(new Step("cpu epoch, " + where, new Job(EpochBenchmark.class, "cpu", params("engine", List.of("cpu"),
                    "threads", List.of(Integer.toString(t)), "samples", List.of(Integer.toString(epochSamples())),
                    "dataset", List.of("fashion")), smoke ? 0 : 2, warmSec, smoke ? 1 : 3, sec), null));
        }
        return steps;
    }

    /** The peer script's plan for one step: one implementation, one thread count, one shape or the epoch. */
    private Map<String, Object> stepPlan(int threads, List<String> shapes, boolean epoch, String impl) {
        Map<String, Object> m = peerPlan();
        m.put("threads", List.of(threads));
        m.put("gemm_shapes", shapes);
        m.put("nets", List.of());
        m.put("openblas_skip", List.of());
        m.put("impls", List.of(impl));
        if (epoch) {
            m.put("epoch", epochPlan(profile == Profile.SMOKE ? 1 : 3));
        } else {
            m.put("epoch", null);
        }
        return m;
    }

    private Map<String, Object> epochPlan(int iterations) {
        return Map.of("net", NetShape.FASHION, "samples", epochSamples(), "learning_rate", 1e-3,
                "warmups", profile == Profile.SMOKE ? 0 : 1, "iterations", iterations);
    }

    /** Measured iteration time: as long as the peers' timed batches. */
    private double seconds() {
        return profile == Profile.SMOKE ? 0.1 : profile == Profile.FULL ? 1.0 : 0.4;
    }

    /** The JMH runs of this profile, and what is skipped (with reasons). */
    List<Object> plan(List<Job> jobs, List<Skip> skips) {
        boolean smoke = profile == Profile.SMOKE;
        boolean gpu = profile == Profile.GPU;
        // Each parameter combination is a fresh JVM, and Vector API code runs hundreds of times slower until C2 has
        // compiled it (seconds on a busy 2-core machine): a cold forward pass takes over a second, a warm one a
        // millisecond. Warm-up is therefore longer than measurement, and longest for the passes that chain many kernels.
        // A 2048² product on one thread reaches full speed only after 2-3 s of calls, hence 4 warm-up seconds.
        // Five measured iterations: the report takes their median, which one disturbed iteration cannot move.
        int wi = smoke ? 0 : profile == Profile.FULL ? 5 : 4;
        int netWi = smoke ? 0 : profile == Profile.FULL ? 8 : 5;
        int it = smoke ? 1 : 5;
        double sec = seconds();
        double warmSec = smoke ? 0.1 : 1.0;
        List<String> all = gemmShapes();
        List<String> smallSquares = smoke ? List.of(GemmShape.square(256).id()) : squares(512);
        for (String engine : BenchEngines.ENGINES) {
            if (gpu && !engine.equals("opencl")) {
                continue; // the gpu profile measures the device; the CPU engines have their own report
            }
            String reason = availability.getOrDefault(engine, "unknown engine");
            List<String> t = engine.equals("cpu") ? strings(threads()) : engine.equals("opencl") ? List.of("0") : List.of("1");
            if (reason != null) {
                for (Class<?> c : List.of(SgemmBenchmark.class, ForwardBenchmark.class, BackwardBenchmark.class,
                        TrainingStepBenchmark.class, EpochBenchmark.class)) {
                    skips.add(new Skip(c.getSimpleName(), engine, "not available: " + reason));
                }
                continue;
            }
            // The reference engine is the plain-Java oracle: products beyond 512 take it seconds each.
            List<String> shapes = !engine.equals("reference") ? all
                    : profile == Profile.FULL ? concat(smallSquares, LAYER_PRODUCTS) : smallSquares;
            // OpenCL on a CPU (PoCL) manages a few GFLOP/s: 2048² would take the quick profile a minute alone.
            if (engine.equals("opencl") && profile == Profile.QUICK && !openclOnGpu) {
                shapes = shapes.stream().filter(x -> !x.equals(GemmShape.square(2048).id())).toList();
            }
            if (engine.equals("cpu")) {
                List<String> paired = pairedSquares(); // measured in the rounds, next to OpenBLAS
                shapes = shapes.stream().filter(x -> !paired.contains(x)).toList();
            }
            jobs.add(new Job(SgemmBenchmark.class, engine, params("engine", List.of(engine), "threads", t, "shape", shapes), wi, warmSec, it, sec));
            for (Class<?> c : List.of(ForwardBenchmark.class, BackwardBenchmark.class, TrainingStepBenchmark.class)) {
                jobs.add(new Job(c, engine, params("engine", List.of(engine), "threads", t, "net", nets()), netWi, warmSec, it, sec));
            }
            if (engine.equals("cpu") && rounds() > 0) {
                continue; // the cpu engine's epoch is measured in the rounds, next to PyTorch's
            }
            if (engine.equals("reference") && !smoke) {
                skips.add(new Skip(EpochBenchmark.class.getSimpleName(), engine,
                        "not run: a full epoch takes minutes on the plain-Java oracle (the smoke profile runs a short one)"));
            } else {
                // An epoch through PoCL takes over ten seconds: the quick profile measures it twice.
                boolean slow = engine.equals("opencl") && profile == Profile.QUICK && !openclOnGpu;
                jobs.add(new Job(EpochBenchmark.class, engine, params("engine", List.of(engine), "threads", t,
                        "samples", List.of(Integer.toString(epochSamples())), "dataset", List.of("fashion")),
                        smoke ? 0 : slow ? 1 : 2, warmSec, slow ? 2 : it, sec));
            }
        }
        if (gpu) {
            return jobs.stream().map(j -> (Object) j.toJson()).toList();
        }
        // The single-core FMA peak, the ceiling of the one-thread sgemm target, is measured in every round.
        // VectorBLAS is single-threaded; at 2048 it falls off a cliff (seconds per product), so only the full profile goes there.
        List<String> vb = profile == Profile.FULL ? all : smoke ? List.of(GemmShape.square(256).id())
                : all.stream().filter(s -> !s.equals(GemmShape.square(2048).id())).toList();
        if (rounds() > 0) {
            vb = vb.stream().filter(s -> !s.equals(vectorBlasSquare())).toList(); // in the rounds
        }
        jobs.add(new Job(SgemmBenchmark.class, SgemmBenchmark.VECTORBLAS,
                params("engine", List.of(SgemmBenchmark.VECTORBLAS), "threads", List.of("1"), "shape", vb), wi, warmSec, it, sec));
        // Deeplearning4j is in benchmarks.jar only when built with -Pdl4j (run.sh full, or DELTA4J_DL4J=1).
        Class<?> dl4j = dl4jBenchmark();
        if (dl4j != null) {
            // Its epoch takes tens of seconds on this class of machine: the quick profile measures it on one thread only.
            List<String> t = profile == Profile.QUICK ? List.of("1") : strings(threads());
            jobs.add(new Job(dl4j, "dl4j", params("threads", t, "samples", List.of(Integer.toString(epochSamples())),
                    "dataset", List.of("fashion")), smoke ? 0 : 1, warmSec, smoke ? 1 : profile == Profile.QUICK ? 2 : it, sec));
        }
        List<Object> out = new ArrayList<>();
        jobs.forEach(j -> out.add(j.toJson()));
        return out;
    }

    private static Class<?> dl4jBenchmark() {
        try {
            return Class.forName("delta4j.benchmarks.dl4j.Dl4jEpochBenchmark", false, Suite.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    private static List<String> strings(List<Integer> xs) {
        return xs.stream().map(String::valueOf).toList();
    }

    private static Map<String, List<String>> params(Object... kv) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            @SuppressWarnings("unchecked")
            List<String> values = (List<String>) kv[i + 1];
            m.put((String) kv[i], values);
        }
        return m;
    }

    /** What the peer script needs: the same shapes, networks, thread counts and repetitions. */
    Map<String, Object> peerPlan() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("profile", profile.name().toLowerCase());
        m.put("threads", threads());
        m.put("gemm_shapes", gemmShapes());
        m.put("nets", nets());
        // What the rounds measure is left out here: OpenBLAS at the paired squares, PyTorch's epoch.
        m.put("openblas_skip", pairedSquares());
        m.put("epoch", rounds() > 0 ? null : epochPlan(profile == Profile.SMOKE ? 1 : 5));
        // The peers' batches match the JMH iterations above (count and length), and are summarised the same way.
        m.put("seconds_per_measurement", profile == Profile.SMOKE ? 0.05 : seconds());
        m.put("measurements", profile == Profile.SMOKE ? 1 : 5);
        Path fashion = FashionMnist.locate();
        m.put("dataset", fashion == null ? null : fashion.toString());
        return m;
    }

    /** The environment, for the report's "how this was run". */
    Map<String, Object> environment() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        m.put("profile", profile.name().toLowerCase());
        m.put("command", System.getProperty("delta4j.command", "benchmarks/run.sh " + profile.name().toLowerCase()));
        m.put("cpu", cpuModel());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("load", loadAverage());
        m.put("nice", System.getProperty("delta4j.nice", "0"));
        m.put("jdk", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.runtime.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("jmh", "1.37, one fork per run, JVM flags " + ForkArgs.VECTOR + " " + ForkArgs.NATIVE + " " + ForkArgs.HEAP + " " + ForkArgs.HUGE_PAGES);
        m.put("engines", BenchEngines.devices());
        m.put("vectorblas", vectorBlasName());
        Path fashion = FashionMnist.locate();
        m.put("dataset", fashion == null ? "synthetic: 60000 × 784 random pixels, 10 classes (dataset-fashion-mnist is not installed)"
                : "Fashion-MNIST training set from " + fashion);
        return m;
    }

    private static String vectorBlasName() {
        try {
            return JavaBLAS.getInstance().getClass().getName();
        } catch (RuntimeException | LinkageError e) {
            return "unavailable: " + e;
        }
    }

    /** The 1-, 5- and 15-minute load averages when the run started: other work on the machine skews timings. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return System.getProperty("os.arch") + " (model unknown)";
    }

    /**
     * Runs every job, one JMH run each, into {@code dir}, then the paired rounds into {@code dir/rounds/rN/};
     * returns the number of JMH runs that failed outright.
     */
    int run(Path dir, List<Job> jobs, List<Skip> skips) throws IOException {
        Files.createDirectories(dir);
        List<Step> steps = roundSteps();
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("environment", environment());
        meta.put("jobs", jobs.stream().map(Job::toJson).toList());
        meta.put("skipped", skips.stream().map(Skip::toJson).toList());
        meta.put("rounds", rounds());
        meta.put("round_steps", steps.stream().map(Step::toJson).toList());
        writeAtomically(dir.resolve("suite.json"), Json.write(meta));
        int failed = 0;
        for (int i = 0; i < jobs.size(); i++) {
            Job job = jobs.get(i);
            System.out.printf("%n=== [%d/%d] %s on %s %s%n", i + 1, jobs.size(), job.benchmark().getSimpleName(), job.engine(), job.params());
            failed += runJmh(job, dir.resolve(job.fileName(i))) ? 0 : 1;
        }
        Path peers = Path.of(System.getProperty("delta4j.peers", "benchmarks/peers/peers.py"));
        for (int r = 1; r <= rounds(); r++) {
            Path roundDir = dir.resolve("rounds").resolve("r" + r);
            Files.createDirectories(roundDir);
            for (int i = 0; i < steps.size(); i++) {
                Step step = steps.get(i);
                System.out.printf("%n=== round %d/%d, step %d/%d: %s%n", r, rounds(), i + 1, steps.size(), step.label());
                if (step.job() != null) {
                    failed += runJmh(step.job(), roundDir.resolve(step.job().fileName(i))) ? 0 : 1;
                } else {
                    runPeer(peers, step.peerPlan(), roundDir, i);
                }
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> env = (Map<String, Object>) meta.get("environment");
        env.put("load_after", loadAverage());
        writeAtomically(dir.resolve("suite.json"), Json.write(meta));
        return failed;
    }

    /** One JMH run (one fork) of a job into a JSON result file; false when JMH itself failed. */
    private static boolean runJmh(Job job, Path result) {
        ChainedOptionsBuilder o = new OptionsBuilder()
                .include("^" + job.benchmark().getName().replace(".", "\\.") + "\\.")
                .forks(1)
                .warmupIterations(job.warmups())
                .measurementIterations(job.iterations())
                .warmupTime(TimeValue.milliseconds((long) (job.warmupSeconds() * 1000)))
                .measurementTime(TimeValue.milliseconds((long) (job.seconds() * 1000)))
                .resultFormat(ResultFormatType.JSON)
                .result(result.toString())
                .shouldFailOnError(false);
        job.params().forEach((k, v) -> o.param(k, v.toArray(String[]::new)));
        try {
            new Runner(o.build()).run();
            return true;
        } catch (RunnerException | RuntimeException e) {
            System.err.println("JMH run failed for " + job.benchmark().getSimpleName() + " on " + job.engine() + ": " + e);
            return false;
        }
    }

    /**
     * The peer script on a one-step plan, writing {@code peers-NN.json} into the round's folder. Without Debian's
     * python3 the step is left out; the report then says which peer is missing.
     */
    private static void runPeer(Path script, Map<String, Object> plan, Path roundDir, int index) throws IOException {
        Path python = Path.of("/usr/bin/python3");
        if (!Files.isExecutable(python) || !Files.isRegularFile(script)) {
            System.err.println("peer step left out: " + (Files.isRegularFile(script) ? python + " is missing" : "no peer script at " + script));
            return;
        }
        Path planFile = roundDir.resolve(String.format("peer-plan-%02d.json", index));
        writeAtomically(planFile, Json.write(plan));
        ProcessBuilder pb = new ProcessBuilder(python.toString(), script.toString(), "--plan", planFile.toString(),
                "--out", roundDir.resolve(String.format("peers-%02d.json", index)).toString()).inheritIO();
        try {
            int rc = pb.start().waitFor();
            if (rc != 0) {
                System.err.println("the peer script exited with " + rc + " on " + planFile);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the peer script ran", e);
        }
    }

    /** Problems with a results directory: planned combinations without a valid result. Empty means complete. */
    static List<String> check(Path dir) throws IOException {
        Results results = Results.read(dir);
        if (results.suite().isEmpty()) {
            return List.of("no suite.json in " + dir + ": the suite did not run");
        }
        List<String> problems = new ArrayList<>();
        Map<String, Integer> produced = new LinkedHashMap<>();
        for (Row r : results.rows()) {
            if (r.valid()) {
                produced.merge(jobClass(r) + "/" + r.impl(), 1, Integer::sum);
            }
        }
        Object steps = results.suite().get("round_steps");
        int jmhSteps = 0;
        if (steps != null) {
            for (Object o : Json.array(steps, "suite.json round_steps")) {
                jmhSteps += Json.object(o, "round step").get("job") == null ? 0 : 1;
            }
        }
        int rounds = results.suite().get("rounds") == null ? 0 : (int) Json.number(results.suite().get("rounds"));
        for (int r = 0; r < rounds; r++) {
            long got = r < results.rounds().size() ? results.rounds().get(r).stream().filter(x -> x.valid() && Row.isJmh(x.impl())).count() : 0;
            if (got < jmhSteps) {
                problems.add("round " + (r + 1) + ": " + got + " of " + jmhSteps + " JMH steps produced a result");
            }
        }
        for (Object o : Json.array(results.suite().get("jobs"), "suite.json jobs")) {
            Map<String, Object> job = Json.object(o, "job");
            String id = Json.string(job.get("benchmark"), "?") + "/" + Json.string(job.get("engine"), "?");
            int want = (int) Json.number(job.get("combinations"));
            int got = produced.getOrDefault(id, 0);
            if (got < want) {
                problems.add(id + ": " + got + " of " + want + " parameter combinations produced a result");
            }
        }
        return problems;
    }

    private static String jobClass(Row r) {
        return switch (r.benchmark()) {
            case "sgemm" -> "SgemmBenchmark";
            case "forward" -> "ForwardBenchmark";
            case "backward" -> "BackwardBenchmark";
            case "step" -> "TrainingStepBenchmark";
            case "peak" -> "FmaPeakBenchmark";
            default -> r.impl().equals("dl4j") ? "Dl4jEpochBenchmark" : "EpochBenchmark";
        };
    }

    /** Writes a UTF-8 file atomically ({@link AtomicFiles}), so readers never see half of it, creating its folder. */
    public static void writeAtomically(Path file, String content) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        AtomicFiles.writeString(file, content);
    }

    private static Profile profile(String name) {
        try {
            return Profile.valueOf(name.toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown profile '" + name + "': use smoke, quick, full or gpu");
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: Suite plan PROFILE FILE | Suite run PROFILE DIR | Suite check DIR   (PROFILE: smoke, quick, full, gpu)");
            System.exit(2);
        }
        switch (args[0]) {
            case "plan" -> {
                Suite s = new Suite(profile(args[1]), BenchEngines.availability(), Runtime.getRuntime().availableProcessors());
                writeAtomically(Path.of(args[2]), Json.write(s.peerPlan()));
            }
            case "run" -> {
                Suite s = new Suite(profile(args[1]), BenchEngines.availability(), Runtime.getRuntime().availableProcessors());
                s.openclOnGpu = BenchEngines.onGpu("opencl");
                List<Job> jobs = new ArrayList<>();
                List<Skip> skips = new ArrayList<>();
                s.plan(jobs, skips);
                skips.forEach(k -> System.out.println("skipping " + k.benchmark() + " on " + k.engine() + ": " + k.reason()));
                int failed = s.run(Path.of(args[2]), jobs, skips);
                System.exit(failed == 0 ? 0 : 1);
            }
            case "check" -> {
                List<String> problems = check(Path.of(args[1]));
                problems.forEach(p -> System.err.println("missing: " + p));
                System.out.println(problems.isEmpty() ? "every planned benchmark produced a result" : problems.size() + " benchmark run(s) without results");
                System.exit(problems.isEmpty() ? 0 : 1);
            }
            default -> {
                System.err.println("unknown command '" + args[0] + "': use plan, run or check");
                System.exit(2);
            }
        }
    }
}
