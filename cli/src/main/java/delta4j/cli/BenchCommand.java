package delta4j.cli;

import delta4j.cli.report.MetricsJson;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.engine.Tensor;
import delta4j.model.Mlp;
import delta4j.model.Network;
import delta4j.model.Optimizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code delta4j bench}: a quick look at an engine's speed. Each measurement is the median of several
 * timed runs after warm-up runs. The JMH suite in benchmarks/ stays the reference for real numbers.
 */
@Command(usageHelpAutoWidth = true, name = "bench", description = {"Quick speed checks of an engine (the JMH suite in benchmarks/ is the reference).", ""},
        subcommands = {BenchCommand.Gemm.class, BenchCommand.Train.class})
final class BenchCommand extends Common implements Runnable {

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "choose what to time: 'bench gemm' or 'bench train'");
    }

    /** Options of both benchmarks. */
    static class Timing {
        @Option(names = "--warmup", paramLabel = "N", defaultValue = "10", description = "Untimed warm-up runs at least; warming goes on until the timings settle (see --settle-seconds). Default: ${DEFAULT-VALUE}.")
        int warmup;

        @Option(names = "--settle-seconds", paramLabel = "S", defaultValue = "30", description = "Longest warm-up: runs go on until the JIT is idle and the timings agree within 3 %%, or S seconds passed (0: just --warmup runs). Default: ${DEFAULT-VALUE}.")
        double settleSeconds;

        @Option(names = "--runs", paramLabel = "N", defaultValue = "7", description = "Timed runs; the median is reported. Default: ${DEFAULT-VALUE}.")
        int runs;

        @Option(names = "--json", paramLabel = "FILE", description = "Write the result as JSON.")
        Path json;

        /** How the warm-up ended, once {@link #median} ran. */
        WarmUp.Result warmedUp;

        void check() {
            if (warmup < 0 || runs < 1) {
                throw new UsageException("--warmup must be ≥ 0 and --runs ≥ 1, got " + warmup + " and " + runs);
            }
            if (!(settleSeconds >= 0 && settleSeconds <= 3600)) {
                throw new UsageException("--settle-seconds " + settleSeconds + ": give 0 to 3600 seconds");
            }
            Options.checkOutput(json, "--json");
        }

        /** Writes the result as JSON; the exit code says whether it was written. */
        int save(Map<String, Object> result, PrintWriter out, PrintWriter err) {
            Outputs outputs = Outputs.standard();
            if (!outputs.write("json:", "--json", json, TrainCommand.utf8(() -> MetricsJson.flat(result)))) {
                outputs.printSummary(out);
            }
            return outputs.finish(err);
        }

        /** Median seconds of {@code runs} timed calls, after warming up until the timings settle. */
        double median(Engine e, Runnable work) {
            Runnable waited = () -> {
                work.run();
                e.finish();
            };
            warmedUp = new WarmUp().run(waited, warmup, (long) (settleSeconds * 1e9));
            double[] t = new double[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                waited.run();
                t[i] = (System.nanoTime() - t0) / 1e9;
            }
            return WarmUp.median(t);
        }
    }

    static float[] random(int n, SplittableRandom rnd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return v;
    }

    @Command(usageHelpAutoWidth = true, name = "gemm", sortOptions = false, description = {"Time C = A·B for N×N float32 matrices and print GFLOP/s (2N³ flops per product).", ""},
            footer = {"", "Example:", "  delta4j bench gemm --engine cpu --size 1024 --json gemm.json"})
    static final class Gemm extends Common implements Callable<Integer> {
        @Mixin
        EngineOptions engineOptions;

        @Option(names = "--size", paramLabel = "N", defaultValue = "512", description = "Matrix size N. Default: ${DEFAULT-VALUE}.")
        int size;

        @Mixin
        Timing timing;

        @Override
        public Integer call() throws Exception {
            if (size < 1 || size > 16384) {
                throw new UsageException("--size " + size + ": give N from 1 to 16384");
            }
            timing.check();
            SplittableRandom rnd = new SplittableRandom(1);
            try (Engine e = engineOptions.create()) {
                Tensor a = e.tensor(size, size, random(size * size, rnd));
                Tensor b = e.tensor(size, size, random(size * size, rnd));
                Tensor c = e.allocate(size, size);
                double s = timing.median(e, () -> e.gemm(false, false, 1f, a, b, 0f, c));
                double gflops = 2.0 * size * size * size / s / 1e9;
                Integer threads = EngineOptions.threadsOf(e);
                out().printf(Locale.ROOT, "gemm %d×%d×%d on %s: %.2f GFLOP/s (median of %d runs, %.3f ms each; %s)%n",
                        size, size, size, EngineOptions.describe(e), gflops, timing.runs, s * 1e3, timing.warmedUp.describe());
                if (timing.json != null) {
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("engine", e.name());
                    r.put("device", e.device());
                    r.put("precision", e.precision().cliName());
                    r.put("size", size);
                    r.put("threads", threads);
                    r.put("gflops", gflops);
                    r.put("warmup_runs", timing.warmedUp.runs());
                    r.put("settled", timing.warmedUp.settled());
                    return timing.save(r, out(), err());
                }
            }
            return Main.OK;
        }
    }

    @Command(usageHelpAutoWidth = true, name = "train", sortOptions = false, description = {"Time training steps (forward, backward, Adam update) of an MLP on random"
            + " data and print samples/s. Hidden layers use relu; the output softmax with cross-entropy.", ""},
            footer = {"", "Example:", "  delta4j bench train --engine cpu --layers 784,256,128,10 --batch 128"})
    static final class Train extends Common implements Callable<Integer> {
        @Mixin
        EngineOptions engineOptions;

        @Option(names = "--layers", required = true, paramLabel = "N,N,...", converter = Layers.Converter.class,
                description = "Layer widths, e.g. 784,256,128,10.")
        Layers layers;

        @Option(names = "--batch", paramLabel = "N", defaultValue = "128", description = "Mini-batch size. Default: ${DEFAULT-VALUE}.")
        int batch;

        @Option(names = "--steps", paramLabel = "N", defaultValue = "20", description = "Training steps per timed run. Default: ${DEFAULT-VALUE}.")
        int steps;

        @Mixin
        Timing timing;

        @Override
        public Integer call() throws Exception {
            int[] n = layers.widths();
            if (batch < 1 || steps < 1) {
                throw new UsageException("--batch and --steps must be positive, got " + batch + " and " + steps);
            }
            timing.check();
            Mlp.Builder mb = Mlp.builder(n[0]).loss(Loss.SOFTMAX_CROSS_ENTROPY);
            for (int l = 1; l < n.length; l++) {
                mb.dense(n[l], l == n.length - 1 ? Activation.SOFTMAX : Activation.RELU);
            }
            Mlp mlp = mb.build();
            SplittableRandom rnd = new SplittableRandom(2);
            float[] x = random(batch * n[0], rnd);
            float[] t = new float[batch * n[n.length - 1]];
            for (int i = 0; i < batch; i++) {
                t[i * n[n.length - 1] + rnd.nextInt(n[n.length - 1])] = 1f;
            }
            try (Engine e = engineOptions.create(); Network net = mlp.bind(e)) {
                Optimizer adam = Optimizer.adam(1e-3f);
                int depth = net.depth();
                Tensor[][] sw = new Tensor[depth][2], sb = new Tensor[depth][2];
                for (int l = 0; l < depth; l++) {
                    for (int s = 0; s < 2; s++) {
                        sw[l][s] = net.allocate(net.weights(l).rows(), net.weights(l).cols());
                        sb[l][s] = net.allocate(1, net.biases(l).cols());
                    }
                }
                Tensor loss = net.allocate(1, 1);
                Network.Workspace ws = net.workspace(batch);
                int[] step = {0};
                // One step as the trainer does it: the batch goes in, everything else stays on the engine.
                Runnable run = () -> {
                    for (int k = 0; k < steps; k++) {
                        System.arraycopy(x, 0, ws.hostInput(), 0, x.length);
                        System.arraycopy(t, 0, ws.hostTarget(), 0, t.length);
                        net.upload(ws, true);
                        net.forward(ws);
                        net.backward(ws, loss, 0, 1f / batch);
                        step[0]++;
                        for (int l = 0; l < depth; l++) {
                            adam.step(e, net.weights(l), net.weightGradient(l), sw[l], 1e-3f, 0f, step[0]);
                            adam.step(e, net.biases(l), net.biasGradient(l), sb[l], 1e-3f, 0f, step[0]);
                        }
                    }
                };
                double s = timing.median(e, run);
                double sps = (double) batch * steps / s;
                Integer threads = EngineOptions.threadsOf(e);
                out().printf(Locale.ROOT, "training %s, batch %d on %s: %.0f samples/s (median of %d runs of %d steps, %.3f ms per step; %s)%n",
                        layers.joined(), batch, EngineOptions.describe(e), sps, timing.runs, steps, s * 1e3 / steps, timing.warmedUp.describe());
                if (timing.json != null) {
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("engine", e.name());
                    r.put("device", e.device());
                    r.put("precision", e.precision().cliName());
                    r.put("layers", n);
                    r.put("batch", batch);
                    r.put("threads", threads);
                    r.put("samples_per_second", sps);
                    r.put("warmup_runs", timing.warmedUp.runs());
                    r.put("settled", timing.warmedUp.settled());
                    return timing.save(r, out(), err());
                }
            }
            return Main.OK;
        }
    }
}
