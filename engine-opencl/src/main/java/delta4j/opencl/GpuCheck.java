package delta4j.opencl;

import delta4j.engine.Activation;
import delta4j.io.AtomicFiles;
import delta4j.engine.EngineConfig;
import delta4j.engine.Loss;
import delta4j.engine.Tensor;
import delta4j.model.Init;
import delta4j.model.Mlp;
import delta4j.model.Network;
import delta4j.model.Parameter;

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
 * Measures the OpenCL engine on a device: tries a few gemm tile configurations and caches the fastest
 * ({@link GemmTuning}), times SGEMM (GFLOP/s, after warm-up, bracketed by {@code finish()}) and the
 * training throughput (samples/s) of an MLP step on a bound {@link Network}. Every timed
 * product is spot-checked against a double-precision dot product, so a fast but wrong kernel shows.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp ... delta4j.opencl.GpuCheck \
 *      [--device gpu] [--sizes 1024,2048,4096,8192] [--variants-size 4096] [--tune-size 4096]
 *      [--mlp 4096,4096,4096,4096,1024] [--batch 2048] [--steps 20] [--activation relu] [--json out.json]
 *      [--candidates 128x128x16/16x16,128x64x16/16x16] [--seconds 0.5]
 * </pre>
 * {@code --tune-size 0} skips tuning; {@code --variants-size 0} skips the NT/TN/TT timings.
 */
public final class GpuCheck {

    private final OpenClEngine engine;
    private final double seconds;
    private final Path jsonOut;
    private final Map<String, Object> json = new LinkedHashMap<>();

    private GpuCheck(OpenClEngine engine, double seconds, Path jsonOut) {
        this.engine = engine;
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
        int[] sizes = ints(a.getOrDefault("sizes", "1024,2048,4096,8192"));
        int variantsSize = Integer.parseInt(a.getOrDefault("variants-size", "4096"));
        int tuneSize = Integer.parseInt(a.getOrDefault("tune-size", "4096"));
        int[] layers = ints(a.getOrDefault("mlp", "4096,4096,4096,4096,1024"));
        int batch = Integer.parseInt(a.getOrDefault("batch", "2048"));
        int steps = Integer.parseInt(a.getOrDefault("steps", "20"));
        Activation act = Activation.parse(a.getOrDefault("activation", "relu"));
        double seconds = Double.parseDouble(a.getOrDefault("seconds", "0.5"));
        String jsonOut = a.get("json");
        List<GemmConfig> candidates = a.containsKey("candidates")
                ? Arrays.stream(a.get("candidates").split(",")).map(GemmConfig::parse).toList() : null;

        OpenClEngine engine = (OpenClEngine) new OpenClEngineProvider().create(new EngineConfig(0, device));
        GpuCheck check = new GpuCheck(engine, seconds, jsonOut == null ? null : Path.of(jsonOut));
        try (engine) {
            OpenClDevice d = engine.openClDevice();
            System.out.println("device: " + d.describe());
            check.json.put("device", d.name());
            check.json.put("driver", d.driverVersion());
            check.json.put("compute_units", d.computeUnits());
            // Each section records its error and lets the next one run: one failure must not cost the rest.
            if (tuneSize > 0) {
                check.section("tuning_error", () -> check.tune(tuneSize, candidates));
            }
            check.json.put("gemm_config", engine.gemmConfig().toString());
            System.out.println("gemm tiles in use: " + engine.gemmConfig());
            List<Map<String, Object>> gemms = new ArrayList<>();
            check.json.put("sgemm", gemms);
            check.section("sgemm_error", () -> {
                // null tiles: the engine's own choice per shape, as users get it.
                for (int n : sizes) {
                    gemms.add(check.timeGemm(null, false, false, n, n, n));
                }
                if (variantsSize > 0) {
                    gemms.add(check.timeGemm(null, false, true, variantsSize, variantsSize, variantsSize));
                    gemms.add(check.timeGemm(null, true, false, variantsSize, variantsSize, variantsSize));
                    gemms.add(check.timeGemm(null, true, true, variantsSize, variantsSize, variantsSize));
                }
            });
            if (layers.length >= 2 && steps > 0) {
                check.section("mlp_error", () -> check.json.put("mlp", check.timeMlp(layers, batch, steps, act)));
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
            AtomicFiles.writeString(jsonOut, toJson(json, 0) + "\n");
        } catch (IOException e) {
            System.out.println("could not write " + jsonOut + ": " + e);
        }
    }

    // ---------------------------------------------------------------- tuning

    /** Times each candidate (null: {@link GemmConfig#candidates}) at n³ and keeps and caches the fastest correct one. */
    private void tune(int n, List<GemmConfig> candidates) {
        OpenClDevice d = engine.openClDevice();
        List<Map<String, Object>> rows = new ArrayList<>();
        GemmConfig best = null;
        double bestRate = 0;
        System.out.println("tuning gemm tiles at " + n + "³:");
        for (GemmConfig c : candidates != null ? candidates : GemmConfig.candidates(d)) {
            Map<String, Object> r;
            try {
                r = timeGemm(c, false, false, n, n, n);
            } catch (RuntimeException e) {
                System.out.println("  " + c + ": failed: " + e.getMessage());
                rows.add(Map.of("config", c.toString(), "error", String.valueOf(e.getMessage())));
                continue;
            }
            r.put("config", c.toString());
            rows.add(r);
            double rate = (Double) r.get("gflops");
            boolean correct = (Boolean) r.get("correct");
            if (correct && rate > bestRate) {
                bestRate = rate;
                best = c;
            }
        }
        json.put("tuning", rows);
        if (best != null) {
            engine.gemmConfig(best);
            String note = String.format(Locale.ROOT, "%.0f GFLOP/s at %d^3 (NN)", bestRate, n);
            try {
                Path f = GemmTuning.save(d, best, note);
                System.out.println("fastest: " + best + " (" + note + "), cached in " + f);
                json.put("tuning_cache", f.toString());
            } catch (IOException e) {
                System.out.println("fastest: " + best + " (" + note + "); could not cache it: " + e);
            }
            json.put("tuned", best.toString());
        }
    }

    // ---------------------------------------------------------------- sgemm

    /** Times C ← A·B in one transpose variant with the given tiles (null: the engine's choice for the shape). */
    private Map<String, Object> timeGemm(GemmConfig tiles, boolean ta, boolean tb, int m, int n, int k) {
        GemmConfig cfg = tiles != null ? tiles : engine.tilesFor(m, n);
        SplittableRandom rnd = new SplittableRandom(m * 31L + n * 7L + k);
        float[] a = random(rnd, m * k, 1f);
        float[] b = random(rnd, k * n, 1f);
        int ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
        String variant = (ta ? "t" : "n") + (tb ? "t" : "n");
        try (Tensor A = engine.tensor(ar, ac, a); Tensor B = engine.tensor(br, bc, b); Tensor C = engine.allocate(m, n)) {
            engine.gemm(cfg, ta, tb, 1f, A, B, 0f, C);   // builds the program for cfg
            engine.finish();
            long t0 = System.nanoTime();
            engine.gemm(cfg, ta, tb, 1f, A, B, 0f, C);
            engine.finish();
            double once = (System.nanoTime() - t0) / 1e9;
            int reps = (int) Math.max(3, Math.min(200, seconds / Math.max(once, 1e-6)));
            t0 = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                engine.gemm(cfg, ta, tb, 1f, A, B, 0f, C);
            }
            engine.finish();
            double secs = (System.nanoTime() - t0) / 1e9;
            double gflops = 2.0 * m * n * k * reps / secs / 1e9;
            double err = spotCheck(engine.download(C), a, b, ta, tb, m, n, k, ac, bc, rnd);
            boolean correct = err <= 1e-5 * (1 + Math.sqrt(k));
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("variant", variant);
            r.put("m", m);
            r.put("n", n);
            r.put("k", k);
            r.put("tiles", cfg.toString());
            r.put("reps", reps);
            r.put("ms", secs * 1e3 / reps);
            r.put("gflops", gflops);
            r.put("max_rel_err", err);
            r.put("correct", correct);
            System.out.printf(Locale.ROOT, "  sgemm %s %5d×%5d×%5d tiles %-16s %9.1f GFLOP/s  %8.3f ms  (%d reps, spot-check error %.1e%s)%n",
                    variant, m, n, k, cfg, gflops, secs * 1e3 / reps, reps, err, correct ? "" : " WRONG");
            return r;
        }
    }

    /** Largest |C − C_ref| / Σ|a||b| over 64 sampled entries, with C_ref a double-precision dot product. */
    private static double spotCheck(float[] c, float[] a, float[] b, boolean ta, boolean tb, int m, int n, int k,
                                    int ac, int bc, SplittableRandom rnd) {
        double worst = 0;
        for (int s = 0; s < 64; s++) {
            int i = s == 0 ? m - 1 : rnd.nextInt(m);
            int j = s == 0 ? n - 1 : rnd.nextInt(n);
            double sum = 0, scale = 0;
            for (int p = 0; p < k; p++) {
                double x = ta ? a[p * ac + i] : a[i * ac + p];
                double y = tb ? b[j * bc + p] : b[p * bc + j];
                sum += x * y;
                scale += Math.abs(x * y);
            }
            worst = Math.max(worst, Math.abs(c[i * n + j] - sum) / Math.max(scale, 1e-30));
        }
        return worst;
    }

    // ---------------------------------------------------------------- MLP training step

    /**
     * Times full training steps of an MLP (hidden φ, identity output, MSE, SGD) on a bound {@link Network}:
     * forward gemm NN + biasActivation, outputDelta, backward gemm NT + activationBackward, gradients gemm TN
     * + columnSum, then sgdStep on every parameter. The batch (inputs and targets) is uploaded every step, as a
     * trainer does.
     */
    private Map<String, Object> timeMlp(int[] sizes, int batch, int steps, Activation act) {
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
            Tensor loss = net.allocate(1, warmup + steps);
            float[][] xs = {random(rnd, batch * sizes[0], 1f), random(rnd, batch * sizes[0], 1f)};
            float[][] ts = {random(rnd, batch * sizes[layers], 0.5f), random(rnd, batch * sizes[layers], 0.5f)};
            float lr = 1e-3f;
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
                for (Parameter p : parameters) {
                    engine.sgdStep(p.value(), p.gradient(), lr, 0f);
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
            r.put("layers", Arrays.stream(sizes).boxed().toList());
            r.put("batch", batch);
            r.put("activation", act.id());
            r.put("steps", steps);
            r.put("ms_per_step", secs * 1e3 / steps);
            r.put("samples_per_s", rate);
            r.put("tflops", tflops);
            r.put("loss_first", losses[0] / batch);
            r.put("loss_last", losses[warmup + steps - 1] / batch);
            System.out.printf(Locale.ROOT, "  mlp %s batch %d %s: %.1f samples/s, %.2f ms/step, %.2f TFLOP/s, loss %.4f → %.4f%n",
                    Arrays.toString(sizes), batch, act.id(), rate, secs * 1e3 / steps, tflops, losses[0] / batch,
                    losses[warmup + steps - 1] / batch);
            return r;
        }
    }

    // ---------------------------------------------------------------- helpers

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
                throw new IllegalArgumentException("usage: GpuCheck [--device SEL] [--sizes 1024,2048] [--variants-size N] "
                        + "[--tune-size N] [--candidates T1,T2] [--mlp 4096,4096,1024] [--batch N] [--steps N] [--activation relu] [--seconds S] "
                        + "[--json FILE]; got '"
                        + args[i] + "'");
            }
            m.put(args[i].substring(2), args[++i]);
        }
        return m;
    }

    static String toJson(Object o, int indent) {
        String pad = "  ".repeat(indent + 1), end = "  ".repeat(indent);
        if (o instanceof Map<?, ?> map) {
            StringBuilder sb = new StringBuilder("{\n");
            int i = 0;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                sb.append(pad).append(quote(e.getKey().toString())).append(": ").append(toJson(e.getValue(), indent + 1));
                sb.append(++i < map.size() ? ",\n" : "\n");
            }
            return sb.append(end).append('}').toString();
        }
        if (o instanceof List<?> list) {
            StringBuilder sb = new StringBuilder("[\n");
            for (int i = 0; i < list.size(); i++) {
                sb.append(pad).append(toJson(list.get(i), indent + 1)).append(i + 1 < list.size() ? ",\n" : "\n");
            }
            return sb.append(end).append(']').toString();
        }
        if (o instanceof Double v) {
            return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
        }
        if (o instanceof Float v) {
            return Float.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
        }
        if (o instanceof Number || o instanceof Boolean) {
            return o.toString();
        }
        return o == null ? "null" : quote(o.toString());
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
