package delta4j.benchmarks;

import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Tensor;

import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where a training step's time goes, kernel by kernel: the {@link KernelNet} step (forward, backward, Adam) of one
 * network shape on one engine, run through a proxy of the engine that times every call, keyed by the kernel and its
 * operands' shapes. JMH's {@link TrainingStepBenchmark} times the whole step; this names its parts, so that a change to
 * one kernel can be weighed inside the step, where its operands come from the kernels before it (another core's
 * cache, say) rather than from a warm loop.
 *
 * <p>Each round times {@code steps} plain steps, then the same number through the proxy; the plain figure shows what
 * the timing itself costs (a reflective call and two clock reads per kernel, about a microsecond), and after it the
 * round trip of a cache line between two threads ({@link CoreDistance}), which tells the rounds that a host ran with the
 * two cores far apart. Reproduce with
 * {@code java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar delta4j.benchmarks.StepProfile
 * cpu 2 784-256-128-10@128 3000}: engine, threads, shape, steps (after as many steps of warm-up).
 */
public final class StepProfile {

    private StepProfile() {
    }

    /** Per kernel and shapes: nanoseconds in all and calls. */
    static final class Times {
        final Map<String, long[]> byKernel = new LinkedHashMap<>();
        boolean on;

        void add(String key, long nanos) {
            long[] t = byKernel.computeIfAbsent(key, k -> new long[2]);
            t[0] += nanos;
            t[1]++;
        }
    }

    /** {@code engine} behind a proxy that adds every call's time to {@code times} while {@code times.on}. */
    static Engine timed(Engine engine, Times times) {
        return (Engine) Proxy.newProxyInstance(Engine.class.getClassLoader(), new Class<?>[]{Engine.class},
                (proxy, method, args) -> {
                    if (!times.on) {
                        return call(engine, method, args);
                    }
                    long t0 = System.nanoTime();
                    Object result = call(engine, method, args);
                    times.add(key(method, args), System.nanoTime() - t0);
                    return result;
                });
    }

    private static Object call(Engine engine, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(engine, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /**
     * "gemm T N 128x784 128x256 784x256": the kernel, its flags and activation, and each tensor's shape (a group of tensors
     * as its count and elements, "6×235146").
     */
    static String key(Method method, Object[] args) {
        StringBuilder k = new StringBuilder(method.getName());
        if (args != null) {
            for (Object a : args) {
                if (a instanceof Tensor t) {
                    k.append(' ').append(t.rows()).append('x').append(t.cols());
                } else if (a instanceof Tensor[] group) { // a group kernel's operands: how many, and their elements in all
                    long elements = 0;
                    for (Tensor t : group) {
                        elements += t.size();
                    }
                    k.append(' ').append(group.length).append('×').append(elements);
                } else if (a instanceof Boolean b) {
                    k.append(' ').append(b ? 'T' : 'N');
                } else if (a instanceof Activation act) {
                    k.append(' ').append(act.name().toLowerCase(Locale.ROOT));
                }
            }
        }
        return k.toString();
    }

    /**
     * Profiles {@code steps} steps of {@code shape} on a fresh engine after as many steps of warm-up, {@code rounds}
     * times, and prints each round's plain and profiled step time and the table of the round whose profiled steps
     * took least (on a host whose speed comes and goes, the round least disturbed), with each kernel's mean time over
     * the rounds with the two cores near and over those with them far apart beside it ({@link CoreDistance} measured
     * before and after the round, both on the same side of {@link CoreDistance#FAR_APART_NS}; a round that the host
     * moved in between counts in neither): which kernels a far placement slows down, and by how much.
     */
    static void run(String engineName, int threads, NetShape shape, int steps, int rounds, PrintStream out) {
        Times times = new Times();
        Map<String, long[]> best = null;
        Map<String, long[]> near = new LinkedHashMap<>(), far = new LinkedHashMap<>();
        int nearRounds = 0, farRounds = 0;
        long bestProfiled = Long.MAX_VALUE;
        try (Engine engine = BenchEngines.open(engineName, threads);
             KernelNet net = NetFixtures.withRandomBatch(timed(engine, times), shape)) {
            for (int i = 0; i < steps; i++) {
                net.step(0);
            }
            out.printf(Locale.ROOT, "%s, %s, %s, %d steps a round%n", engineName, engine.device(), shape.id(), steps);
            double before = CoreDistance.roundTripNanos(10);
            for (int r = 0; r < rounds; r++) {
                times.byKernel.clear();
                long t0 = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    net.step(0);
                }
                engine.finish();
                long plain = System.nanoTime() - t0;
                times.on = true;
                t0 = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    net.step(0);
                }
                engine.finish();
                long profiled = System.nanoTime() - t0;
                times.on = false;
                double after = CoreDistance.roundTripNanos(10);
                out.printf(Locale.ROOT, "round %d: step %.1f µs, profiled %.1f µs; cores' round trip %.0f ns%n", r + 1,
                        plain / 1e3 / steps, profiled / 1e3 / steps, after);
                if (profiled < bestProfiled) {
                    bestProfiled = profiled;
                    best = new LinkedHashMap<>(times.byKernel);
                }
                boolean farBefore = before > CoreDistance.FAR_APART_NS, farAfter = after > CoreDistance.FAR_APART_NS;
                if (farBefore == farAfter) {
                    addInto(farAfter ? far : near, times.byKernel);
                    if (farAfter) {
                        farRounds++;
                    } else {
                        nearRounds++;
                    }
                }
                before = after;
            }
            out.printf(Locale.ROOT, "the fastest profiled round, %.1f µs a step; beside it the mean of %d rounds with the "
                    + "cores near and of %d with them far apart:%n", bestProfiled / 1e3 / steps, nearRounds, farRounds);
            out.printf(Locale.ROOT, "%-56s %9s %9s %7s %9s %9s%n", "kernel", "calls", "fastest", "", "near", "far");
            long total = best.values().stream().mapToLong(t -> t[0]).sum();
            for (Map.Entry<String, long[]> e : best.entrySet()) {
                long[] t = e.getValue();
                out.printf(Locale.ROOT, "%-56s %9d %9.1f %5.1f %% %9s %9s%n", e.getKey(), t[1] / steps, t[0] / 1e3 / steps,
                        100.0 * t[0] / total, mean(near.get(e.getKey()), nearRounds, steps),
                        mean(far.get(e.getKey()), farRounds, steps));
            }
            out.printf(Locale.ROOT, "%-56s %9s %9.1f %7s %9s %9s  µs a step%n", "in all", "", total / 1e3 / steps, "",
                    mean(sum(near), nearRounds, steps), mean(sum(far), farRounds, steps));
        }
    }

    private static void addInto(Map<String, long[]> into, Map<String, long[]> round) {
        for (Map.Entry<String, long[]> e : round.entrySet()) {
            long[] t = into.computeIfAbsent(e.getKey(), k -> new long[2]);
            t[0] += e.getValue()[0];
            t[1] += e.getValue()[1];
        }
    }

    private static long[] sum(Map<String, long[]> byKernel) {
        return new long[]{byKernel.values().stream().mapToLong(t -> t[0]).sum(), 0};
    }

    /** A kernel's mean microseconds a step over {@code rounds} rounds, or "-" where there were none. */
    private static String mean(long[] t, int rounds, int steps) {
        return t == null || rounds == 0 ? "-" : String.format(Locale.ROOT, "%.1f", t[0] / 1e3 / steps / rounds);
    }

    /** Arguments: engine, threads, shape (as {@link NetShape#parse}), steps; optional rounds (default 3). */
    public static void main(String[] args) {
        if (args.length < 4) {
            System.err.println("usage: StepProfile ENGINE THREADS SHAPE STEPS [ROUNDS], e.g. cpu 2 784-256-128-10@128 3000");
            System.exit(2);
        }
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        if (rounds < 1) {
            System.err.println("StepProfile: ROUNDS is " + rounds + ": give at least 1");
            System.exit(2);
        }
        run(args[0], Integer.parseInt(args[1]), NetShape.parse(args[2]), Integer.parseInt(args[3]), rounds, System.out);
    }
}
