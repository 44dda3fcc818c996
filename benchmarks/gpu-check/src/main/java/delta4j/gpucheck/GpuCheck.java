package delta4j.gpucheck;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import delta4j.engine.Activation;
import delta4j.engine.EngineConfig;
import delta4j.engine.KernelChecks;
import delta4j.engine.Loss;
import delta4j.engine.Precision;
import delta4j.engine.Tensor;
import delta4j.io.AtomicFiles;
import delta4j.model.Init;
import delta4j.model.Mlp;
import delta4j.model.Network;
import delta4j.model.Parameter;
import delta4j.opencl.GemmConfig;
import delta4j.opencl.GemmTuning;
import delta4j.opencl.MmaConfig;
import delta4j.opencl.OpenClDevice;
import delta4j.opencl.OpenClEngine;
import delta4j.opencl.OpenClEngineProvider;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Measures the OpenCL engine on a device, at each precision asked for: tries a few gemm tile configurations and
 * caches the fastest ({@link GemmTuning}: the fp32 tiles, and at tf32 and bf16 the tensor-core tiles when the
 * engine uses tensor cores), times SGEMM (GFLOP/s, after warm-up, bracketed by {@code finish()}) and the training
 * throughput (samples/s) of an MLP step on a bound {@link Network}, with plain SGD and with Adam, recording the loss
 * of every step (the curves of the precisions can then be compared). Every timed product is spot-checked against a
 * double-precision dot product of the operands rounded to the precision, so a fast but wrong kernel shows. Once, at
 * the first precision, it also times the mini-batch gather ({@code Engine.uploadRows}) of shuffled rows from a
 * Fashion-MNIST-sized training set kept as floats and kept as bytes, each batch checked bit for bit.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp ... delta4j.gpucheck.GpuCheck \
 *      [--device gpu] [--precisions fp32,tf32,bf16] [--sizes 1024,2048,4096,8192] [--variants-size 4096]
 *      [--tune-size 4096] [--mlp 4096,4096,4096,4096,1024] [--batch 2048] [--steps 20] [--optimizers sgd,adam]
 *      [--activation relu] [--json out.json] [--candidates 128x128x16/16x16,...] [--mma-candidates 128x128x16/2x4/s2,...]
 *      [--seconds 0.5] [--gather-rows 128,2048]
 * </pre>
 * {@code --tune-size 0} skips tuning; {@code --variants-size 0} skips the NT/TN/TT timings; {@code --gather-rows 0}
 * skips the gather. It drives the engine through
 * its public API: candidate tiles run through {@link OpenClEngine#gemm(GemmConfig, boolean, boolean, float, Tensor,
 * Tensor, float, Tensor)} and {@link OpenClEngine#gemmMma}, and the winners go into the engine's tuning cache through
 * {@link GemmTuning}, where every later engine on the device finds them. gpu/prepare.sh builds it for the GPU machine.
 */
public final class GpuCheck {

    /** The results file's writer: Jackson, indented. */
    private static final ObjectWriter JSON = new ObjectMapper().registerModule(new SimpleModule()
            .addSerializer(Double.class, new FiniteOrNull())
            .addSerializer(Float.class, new FiniteOrNull())).writerWithDefaultPrettyPrinter();

    private final double seconds;
    private final Path jsonOut;
    private final Map<String, Object> json = new LinkedHashMap<>();

    private GpuCheck(double seconds, Path jsonOut) {
        this.seconds = seconds;
        this.jsonOut = jsonOut;
    }

    /**
     * Runs the check on one device and prints what it measures; with {@code --json} it also writes the results
     * there, including each part's error when a part failed.
     *
     * @param args the options of the class comment, each {@code --name value}
     * @throws IllegalArgumentException if an option is unknown or malformed, with the usage
     * @throws delta4j.engine.EngineUnavailableException if no OpenCL device can be used
     */
    public static void main(String[] args) {
        Map<String, String> a = parse(args);
        String device = a.getOrDefault("device", null);
        List<Precision> precisions = Arrays.stream(a.getOrDefault("precisions", "fp32").split(",")).map(Precision::parse).toList();
        int[] sizes = ints(a.getOrDefault("sizes", "1024,2048,4096,8192"));
        int variantsSize = Integer.parseInt(a.getOrDefault("variants-size", "4096"));
        int tuneSize = Integer.parseInt(a.getOrDefault("tune-size", "4096"));
        int[] layers = ints(a.getOrDefault("mlp", "4096,4096,4096,4096,1024"));
        int batch = Integer.parseInt(a.getOrDefault("batch", "2048"));
        int steps = Integer.parseInt(a.getOrDefault("steps", "20"));
        List<String> optimizers = Arrays.stream(a.getOrDefault("optimizers", "sgd").split(",")).map(String::trim).toList();
        for (String o : optimizers) {
            if (!o.equals("sgd") && !o.equals("adam")) {
                throw new IllegalArgumentException("--optimizers: sgd and adam only, got " + o);
            }
        }
        Activation act = Activation.parse(a.getOrDefault("activation", "relu"));
        double seconds = Double.parseDouble(a.getOrDefault("seconds", "0.5"));
        String jsonOut = a.get("json");
        int[] gatherRows = Arrays.stream(ints(a.getOrDefault("gather-rows", "128,2048"))).filter(r -> r > 0).toArray();
        List<GemmConfig> candidates = a.containsKey("candidates")
                ? Arrays.stream(a.get("candidates").split(",")).map(GemmConfig::parse).toList() : null;
        List<MmaConfig> mmaCandidates = a.containsKey("mma-candidates")
                ? Arrays.stream(a.get("mma-candidates").split(",")).map(MmaConfig::parse).toList() : null;

        GpuCheck check = new GpuCheck(seconds, jsonOut == null ? null : Path.of(jsonOut));
        List<Map<String, Object>> gemms = new ArrayList<>();
        List<Map<String, Object>> mlps = new ArrayList<>();
        List<Map<String, Object>> gathers = new ArrayList<>();
        Map<String, Object> paths = new LinkedHashMap<>();
        check.json.put("precisions", precisions.stream().map(Precision::cliName).toList());
        check.json.put("product_paths", paths);
        check.json.put("sgemm", gemms);
        check.json.put("mlp", mlps);
        check.json.put("gather", gathers);
        try {
            for (Precision p : precisions) {
                OpenClEngine engine = (OpenClEngine) new OpenClEngineProvider().create(new EngineConfig(0, device, p));
                try (engine) {
                    OpenClDevice d = engine.openClDevice();
                    if (!check.json.containsKey("device")) {
                        System.out.println("device: " + d.describe() + (d.computeCapability() > 0
                                ? ", compute capability " + d.computeCapability() / 10 + "." + d.computeCapability() % 10 : ""));
                        check.json.put("device", d.name());
                        check.json.put("driver", d.driverVersion());
                        check.json.put("compute_units", d.computeUnits());
                        check.json.put("compute_capability", d.computeCapability());
                    }
                    String path = engine.productPath();
                    paths.put(p.cliName(), path);
                    System.out.println(p.cliName() + " products: " + path);
                    // Each section records its error and lets the next one run: one failure must not cost the rest.
                    if (tuneSize > 0 && p == Precision.FP32) {
                        check.section("tuning_error", () -> check.tune(engine, tuneSize, candidates));
                        check.json.put("gemm_config", engine.gemmConfig().toString());
                        System.out.println("gemm tiles in use: " + engine.gemmConfig());
                    } else if (tuneSize > 0 && path.startsWith(p.cliName() + " on tensor cores")) {
                        check.section("tuning_error_" + p.cliName(), () -> check.tuneMma(engine, tuneSize, mmaCandidates));
                        check.json.put("mma_config_" + p.cliName(), engine.mmaConfig().toString());
                        System.out.println(p.cliName() + " tensor-core tiles in use: " + engine.mmaConfig());
                    }
                    check.section("sgemm_error_" + p.cliName(), () -> {
                        // null tiles: the engine's own choice per shape, as users get it.
                        for (int n : sizes) {
                            gemms.add(check.timeGemm(engine, null, false, false, n, n, n));
                        }
                        if (variantsSize > 0) {
                            gemms.add(check.timeGemm(engine, null, false, true, variantsSize, variantsSize, variantsSize));
                            gemms.add(check.timeGemm(engine, null, true, false, variantsSize, variantsSize, variantsSize));
                            gemms.add(check.timeGemm(engine, null, true, true, variantsSize, variantsSize, variantsSize));
                        }
                    });
                    if (p == precisions.get(0) && gatherRows.length > 0) {
                        check.section("gather_error", () -> gathers.addAll(check.timeGather(engine, gatherRows)));
                    }
                    if (layers.length >= 2 && steps > 0) {
                        for (String o : optimizers) {
                            check.section("mlp_error_" + p.cliName() + "_" + o, () -> mlps.add(check.timeMlp(engine, layers, batch, steps, act, o)));
                        }
                    }
                }
            }
        } finally {
            check.save();
        }
    }
    /** Runs one part of the check; records its error instead of throwing, and saves what is known so far. */
    private void section(String errorKey, Runnable body) {
        try {
            body.run();
        } catch (RuntimeException | OutOfMemoryError e) {
            System.out.println(errorKey + ": " + e);
            json.put(errorKey, e.toString());
        }
        save();
    }

    /** Writes the results so far (after every part, so a run stopped by a timeout still leaves its figures). */
    private void save() {
        if (jsonOut == null) {
            return;
        }
        try {
            AtomicFiles.writeString(jsonOut, JSON.writeValueAsString(json) + "\n");
        } catch (IOException e) {
            System.out.println("could not write " + jsonOut + ": " + e);
        }
    }

    // ---------------------------------------------------------------- tuning

    /** Times each candidate (null: {@link GemmConfig#candidates}) at n³ and keeps and caches the fastest correct one. */
    private void tune(OpenClEngine engine, int n, List<GemmConfig> candidates) {
        OpenClDevice d = engine.openClDevice();
        System.out.println("tuning gemm tiles at " + n + "³:");
        List<Map<String, Object>> rows = new ArrayList<>();
        Fastest<GemmConfig> best = fastest(engine, n, candidates != null ? candidates : GemmConfig.candidates(d), rows);
        json.put("tuning", rows);
        if (best != null) {
            engine.gemmConfig(best.tiles());
            String note = String.format(Locale.ROOT, "%.0f GFLOP/s at %d^3 (NN)", best.gflops(), n);
            try {
                Path f = GemmTuning.save(d, best.tiles(), note);
                System.out.println("fastest: " + best.tiles() + " (" + note + "), cached in " + f);
                json.put("tuning_cache", f.toString());
            } catch (IOException e) {
                System.out.println("fastest: " + best.tiles() + " (" + note + "); could not cache it: " + e);
            }
            json.put("tuned", best.tiles().toString());
        }
    }

    /**
     * Times each tensor-core candidate (null: {@link MmaConfig#candidates}) at n³ at the engine's precision, and keeps
     * and caches the fastest correct one for that precision.
     */
    private void tuneMma(OpenClEngine engine, int n, List<MmaConfig> candidates) {
        OpenClDevice d = engine.openClDevice();
        Precision p = engine.precision();
        System.out.println("tuning " + p.cliName() + " tensor-core tiles at " + n + "³:");
        List<Map<String, Object>> rows = new ArrayList<>();
        Fastest<MmaConfig> best = fastest(engine, n, candidates != null ? candidates : MmaConfig.candidates(d), rows);
        json.put("tuning_" + p.cliName(), rows);
        if (best != null) {
            engine.mmaConfig(best.tiles());
            String note = String.format(Locale.ROOT, "%.0f GFLOP/s at %d^3 (NN, %s)", best.gflops(), n, p.cliName());
            try {
                Path f = GemmTuning.saveMma(d, p, best.tiles(), note);
                System.out.println("fastest: " + best.tiles() + " (" + note + "), cached in " + f);
            } catch (IOException e) {
                System.out.println("fastest: " + best.tiles() + " (" + note + "); could not cache it: " + e);
            }
            json.put("tuned_" + p.cliName(), best.tiles().toString());
        }
    }

    /** A tuning candidate and its rate. */
    private record Fastest<C>(C tiles, double gflops) {
    }

    /**
     * Times each candidate's NN product at n³ ({@link #timeGemm}) and adds its row, or its error, to {@code rows};
     * returns the fastest candidate whose product was correct, or null.
     */
    private <C> Fastest<C> fastest(OpenClEngine engine, int n, List<C> candidates, List<Map<String, Object>> rows) {
        Fastest<C> best = null;
        for (C c : candidates) {
            Map<String, Object> r;
            try {
                r = timeGemm(engine, c, false, false, n, n, n);
            } catch (RuntimeException e) {
                System.out.println("  " + c + ": failed: " + e.getMessage());
                rows.add(Map.of("config", c.toString(), "error", String.valueOf(e.getMessage())));
                continue;
            }
            r.put("config", c.toString());
            rows.add(r);
            double rate = (Double) r.get("gflops");
            if ((Boolean) r.get("correct") && (best == null ? rate > 0 : rate > best.gflops())) {
                best = new Fastest<>(c, rate);
            }
        }
        return best;
    }

    // ---------------------------------------------------------------- sgemm

    /**
     * Times C ← A·B in one transpose variant at the engine's precision: with the given fp32 tiles ({@link GemmConfig}),
     * tensor-core tiles ({@link MmaConfig}), or null for the engine's own choice for the shape, as users get it.
     */
    private Map<String, Object> timeGemm(OpenClEngine engine, Object tiles, boolean ta, boolean tb, int m, int n, int k) {
        SplittableRandom rnd = new SplittableRandom(m * 31L + n * 7L + k);
        float[] a = random(rnd, m * k, 1f);
        float[] b = random(rnd, k * n, 1f);
        int ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
        String variant = (ta ? "t" : "n") + (tb ? "t" : "n");
        Precision p = engine.precision();
        try (Tensor A = engine.tensor(ar, ac, a); Tensor B = engine.tensor(br, bc, b); Tensor C = engine.allocate(m, n)) {
            String used;
            Runnable product;
            if (tiles instanceof GemmConfig g) {
                used = g.toString();
                product = () -> engine.gemm(g, ta, tb, 1f, A, B, 0f, C);
            } else if (tiles instanceof MmaConfig mc) {
                used = mc.toString();
                product = () -> engine.gemmMma(mc, ta, tb, 1f, A, B, 0f, C);
            } else {
                boolean mma = p != Precision.FP32 && engine.productPath().startsWith(p.cliName() + " on tensor cores") && ac % 4 == 0 && bc % 4 == 0;
                used = mma ? engine.mmaConfig().toString() : engine.tilesFor(m, n).toString();
                product = () -> engine.gemm(ta, tb, 1f, A, B, 0f, C);
            }
            product.run();   // builds the program
            engine.finish();
            Timed timed = time(engine, product, 3, 200);
            int reps = timed.reps();
            double secs = timed.seconds();
            double gflops = 2.0 * m * n * k * reps / secs / 1e9;
            double err = spotCheck(engine.download(C), a, b, ta, tb, m, n, k, ac, bc, rnd, p);
            boolean correct = err <= 1e-5 * (1 + Math.sqrt(k));
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("precision", p.cliName());
            r.put("variant", variant);
            r.put("m", m);
            r.put("n", n);
            r.put("k", k);
            r.put("tiles", used);
            r.put("reps", reps);
            r.put("ms", secs * 1e3 / reps);
            r.put("gflops", gflops);
            r.put("max_rel_err", err);
            r.put("correct", correct);
            System.out.printf(Locale.ROOT, "  sgemm %s %s %5d×%5d×%5d tiles %-20s %9.1f GFLOP/s  %8.3f ms  (%d reps, spot-check error %.1e%s)%n",
                    p.cliName(), variant, m, n, k, used, gflops, secs * 1e3 / reps, reps, err, correct ? "" : " WRONG");
            return r;
        }
    }

    /**
     * Largest |C − C_ref| / Σ|ã||b̃| over 64 sampled entries, with C_ref a double-precision dot product of the operands
     * rounded to the precision (ã, b̃).
     */
    private static double spotCheck(float[] c, float[] a, float[] b, boolean ta, boolean tb, int m, int n, int k,
                                    int ac, int bc, SplittableRandom rnd, Precision precision) {
        double worst = 0;
        for (int s = 0; s < 64; s++) {
            int i = s == 0 ? m - 1 : rnd.nextInt(m);
            int j = s == 0 ? n - 1 : rnd.nextInt(n);
            double sum = 0, scale = 0;
            for (int p = 0; p < k; p++) {
                double x = precision.round(ta ? a[p * ac + i] : a[i * ac + p]);
                double y = precision.round(tb ? b[j * bc + p] : b[p * bc + j]);
                sum += x * y;
                scale += Math.abs(x * y);
            }
            worst = Math.max(worst, Math.abs(c[i * n + j] - sum) / Math.max(scale, 1e-30));
        }
        return worst;
    }

    // ---------------------------------------------------------------- MLP training step

    /** Learning rates of the MLP timing, the same in gpu/torch_peer.py: SGD 1e-3, Adam 1e-4 (β 0.9, 0.999, ε 1e-8). */
    static final float SGD_LR = 1e-3f, ADAM_LR = 1e-4f;

    /**
     * Times full training steps of an MLP (hidden φ, identity output, MSE, SGD or Adam) on a bound {@link Network}:
     * forward gemm NN + biasActivation, outputDelta, backward gemm NT + activationBackward, gradients gemm TN
     * + columnSum, then sgdStep or adamStep on every parameter. The batch (inputs and targets, two batches taking
     * turns) is uploaded every step, as a trainer does. The weights start from a fixed seed whatever the precision,
     * and the mean loss of every step is recorded ("losses", warm-up steps included), so runs at different
     * precisions can be compared step by step.
     */
    private Map<String, Object> timeMlp(OpenClEngine engine, int[] sizes, int batch, int steps, Activation act, String optimizer) {
        boolean adam = optimizer.equals("adam");
        int layers = sizes.length - 1;
        int warmup = 3;
        SplittableRandom rnd = new SplittableRandom(42);
        Mlp.Builder builder = Mlp.builder(sizes[0]);
        for (int l = 1; l <= layers; l++) {
            builder.dense(sizes[l], l == layers ? Activation.IDENTITY : act);
        }
        Mlp mlp = builder.loss(Loss.MSE).init(Init.XAVIER).seed(42).build();
        try (Network net = mlp.bind(engine)) {
            Network.Workspace ws = net.workspace(batch);
            List<Parameter> parameters = net.parameters();
            Tensor[] m = new Tensor[parameters.size()], v = new Tensor[parameters.size()];
            if (adam) {
                for (int i = 0; i < m.length; i++) {
                    Tensor p = parameters.get(i).value();
                    m[i] = net.allocate(p.rows(), p.cols());
                    v[i] = net.allocate(p.rows(), p.cols());
                }
            }
            Tensor loss = net.allocate(1, warmup + steps);
            float[][] xs = {random(rnd, batch * sizes[0], 1f), random(rnd, batch * sizes[0], 1f)};
            float[][] ts = {random(rnd, batch * sizes[layers], 0.5f), random(rnd, batch * sizes[layers], 0.5f)};
            long t0 = 0;
            for (int s = 0; s < warmup + steps; s++) {
                if (s == warmup) {
                    engine.finish();
                    t0 = System.nanoTime();
                }
                System.arraycopy(xs[s & 1], 0, ws.hostInput(), 0, xs[s & 1].length);
                System.arraycopy(ts[s & 1], 0, ws.hostTarget(), 0, ts[s & 1].length);
                net.upload(ws, true);
                net.forward(ws);
                net.backward(ws, loss, s, 1f / batch);
                for (int i = 0; i < parameters.size(); i++) {
                    Parameter p = parameters.get(i);
                    if (adam) {
                        engine.adamStep(p.value(), p.gradient(), m[i], v[i], ADAM_LR, 0.9f, 0.999f, 1e-8f, 0f, false, s + 1);
                    } else {
                        engine.sgdStep(p.value(), p.gradient(), SGD_LR, 0f);
                    }
                }
            }
            engine.finish();
            double secs = (System.nanoTime() - t0) / 1e9;
            float[] losses = engine.download(loss);
            double rate = (double) batch * steps / secs;
            long params = 0;
            for (int l = 1; l <= layers; l++) {
                params += (long) sizes[l - 1] * sizes[l] + sizes[l];
            }
            // Forward, δ propagation (all layers but the first) and weight gradients: ~6·N·params flops.
            double tflops = (6.0 * batch * params - 2.0 * batch * sizes[0] * sizes[1]) * steps / secs / 1e12;
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("precision", engine.precision().cliName());
            r.put("optimizer", optimizer);
            r.put("layers", Arrays.stream(sizes).boxed().toList());
            r.put("batch", batch);
            r.put("activation", act.id());
            r.put("steps", steps);
            r.put("ms_per_step", secs * 1e3 / steps);
            r.put("samples_per_s", rate);
            r.put("tflops", tflops);
            r.put("loss_first", losses[0] / batch);
            r.put("loss_last", losses[warmup + steps - 1] / batch);
            List<Double> curve = new ArrayList<>();
            for (float l : losses) {
                curve.add((double) l / batch);
            }
            r.put("losses", curve);
            System.out.printf(Locale.ROOT, "  mlp %s %s %s batch %d %s: %.1f samples/s, %.2f ms/step, %.2f TFLOP/s, loss %.4f → %.4f%n",
                    engine.precision().cliName(), optimizer, Arrays.toString(sizes), batch, act.id(), rate, secs * 1e3 / steps, tflops,
                    losses[0] / batch, losses[warmup + steps - 1] / batch);
            return r;
        }
    }

    // ---------------------------------------------------------------- mini-batch gather

    /** The training set the gather draws from: Fashion-MNIST's size (60000 images of 28 × 28 pixels). */
    static final int GATHER_SAMPLES = 60_000, GATHER_FEATURES = 784;

    /**
     * Times {@code Engine.uploadRows} of each of {@code rowCounts} shuffled rows into an engine tensor, from the pixels
     * kept as floats ({@code (b & 0xff) / 255f}) and kept as bytes (divisor 255, converted by the engine), as a trainer
     * gathers each batch. Successive batches walk through one shuffled epoch; the time is bracketed by
     * {@code finish()}, so it is the batch's arrival on the device, not its enqueueing. The last batch of each storage
     * is downloaded and compared bit for bit with the host's conversion of the same rows ({@link KernelChecks#gatherRows}).
     */
    private List<Map<String, Object>> timeGather(OpenClEngine engine, int[] rowCounts) {
        SplittableRandom rnd = new SplittableRandom(7);
        byte[] bytes = new byte[GATHER_SAMPLES * GATHER_FEATURES];
        rnd.nextBytes(bytes);
        float[] floats = KernelChecks.gatherRows(bytes, 255f, null, 0, GATHER_SAMPLES, GATHER_FEATURES, null);
        int[] order = delta4j.data.Dataset.permutation(GATHER_SAMPLES, rnd);
        List<Map<String, Object>> out = new ArrayList<>();
        for (int rows : rowCounts) {
            try (Tensor batch = engine.allocate(rows, GATHER_FEATURES)) {
                for (String storage : List.of("floats", "bytes")) {
                    int[] from = {0};
                    Runnable gather = () -> {
                        if (from[0] + rows > GATHER_SAMPLES) {
                            from[0] = 0;
                        }
                        if (storage.equals("floats")) {
                            engine.uploadRows(floats, order, from[0], batch);
                        } else {
                            engine.uploadRows(bytes, 255f, order, from[0], batch);
                        }
                        from[0] += rows;
                    };
                    for (int i = 0; i < 20; i++) {
                        gather.run();
                    }
                    engine.finish();
                    Timed timed = time(engine, gather, 10, 20_000);
                    // Finite floats: Arrays.equals compares them bit for bit.
                    boolean exact = Arrays.equals(engine.download(batch),
                            KernelChecks.gatherRows(bytes, 255f, order, from[0] - rows, rows, GATHER_FEATURES, null));
                    double us = timed.seconds() * 1e6 / timed.reps();
                    double gbPerS = (double) rows * GATHER_FEATURES * Float.BYTES * timed.reps() / timed.seconds() / 1e9;
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("storage", storage);
                    r.put("rows", rows);
                    r.put("features", GATHER_FEATURES);
                    r.put("reps", timed.reps());
                    r.put("us_per_batch", us);
                    r.put("gb_per_s", gbPerS);
                    r.put("exact", exact);
                    out.add(r);
                    System.out.printf(Locale.ROOT, "  gather %-6s %5d rows × %d: %9.1f µs a batch, %6.2f GB/s of floats delivered (%d reps)%s%n",
                            storage, rows, GATHER_FEATURES, us, gbPerS, timed.reps(), exact ? "" : " WRONG");
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- helpers

    /** How many times a piece of work ran and how long those runs took, from the first enqueued to the device's finish. */
    private record Timed(int reps, double seconds) {
    }

    /**
     * Times {@code work} on the device: one run alone (bracketed by {@code finish()}) to size the repetitions to about
     * {@link #seconds}, between {@code minReps} and {@code maxReps}, then those back to back, up to the last one's finish.
     */
    private Timed time(OpenClEngine engine, Runnable work, int minReps, int maxReps) {
        long t0 = System.nanoTime();
        work.run();
        engine.finish();
        double once = (System.nanoTime() - t0) / 1e9;
        int reps = (int) Math.max(minReps, Math.min(maxReps, seconds / Math.max(once, 1e-6)));
        t0 = System.nanoTime();
        for (int r = 0; r < reps; r++) {
            work.run();
        }
        engine.finish();
        return new Timed(reps, (System.nanoTime() - t0) / 1e9);
    }

    private static float[] random(SplittableRandom rnd, int n, float scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        }
        return x;
    }

    private static int[] ints(String s) {
        return s.isBlank() ? new int[0] : Arrays.stream(s.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: GpuCheck [--device SEL] [--precisions fp32,tf32,bf16] [--sizes 1024,2048] "
                        + "[--variants-size N] [--tune-size N] [--candidates T1,T2] [--mma-candidates T1,T2] [--mlp 4096,4096,1024] [--batch N] "
                        + "[--steps N] [--optimizers sgd,adam] [--activation relu] [--seconds S] [--gather-rows 128,2048] [--json FILE]; got '"
                        + args[i] + "'");
            }
            m.put(args[i].substring(2), args[++i]);
        }
        return m;
    }

    /** A double or float as a JSON number, or null when it is NaN or infinite (JSON has none; report.py reads null). */
    private static final class FiniteOrNull extends StdSerializer<Number> {
        FiniteOrNull() {
            super(Number.class);
        }

        @Override
        public void serialize(Number value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            if (Double.isFinite(value.doubleValue())) {
                gen.writeNumber(value.toString());
            } else {
                gen.writeNull();
            }
        }
    }
}
