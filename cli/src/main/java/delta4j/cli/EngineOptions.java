package delta4j.cli;

import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.EngineUnavailableException;
import delta4j.engine.Engines;
import delta4j.engine.Precision;
import picocli.CommandLine.Option;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The engine choice shared by every command that computes: --engine, --device, --threads, --precision. Commands create
 * the engine before they read any data, so a device that is not there costs no time.
 */
public final class EngineOptions {

    /**
     * The built-in engines that run on this machine's processor: they have no devices to choose, so a
     * {@code --device} with them is a mistake, and "auto" with a {@code --device} must not fall back to them.
     */
    static final Set<String> PROCESSOR_ENGINES = Set.of("cpu", "reference");

    /** More worker threads than this many per processor only add switching (each is a busy compute thread). */
    static final int MAX_THREADS_PER_PROCESSOR = 4;

    private static final Pattern THREADS_IN_DEVICE = Pattern.compile("(\\d+) threads?\\b");

    @Option(names = "--engine", paramLabel = "E", defaultValue = "auto",
            description = "Engine: auto (the best available), reference, cpu, opencl, or a third party's (see 'delta4j devices'). Default: ${DEFAULT-VALUE}.")
    String engine;

    @Option(names = "--device", paramLabel = "N",
            description = "Device of a device engine (opencl): an index (0, 1, ...), a name fragment or a type (gpu, cpu). Default: the engine's choice.")
    String device;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "Worker threads of the cpu engine, at most " + MAX_THREADS_PER_PROCESSOR + " per processor; 0 uses every core. Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--precision", paramLabel = "P", defaultValue = "fp32", converter = Options.Precisions.class,
            description = "Arithmetic of the matrix products: fp32, tf32 (operands rounded to 10 mantissa bits) or bf16 (7 bits),"
                    + " always with fp32 sums, weights and optimizer state; tensor cores on NVIDIA GPUs, emulated elsewhere. Default: ${DEFAULT-VALUE}.")
    Precision precision;

    /** The configuration the options describe. */
    EngineConfig config() {
        int processors = Runtime.getRuntime().availableProcessors();
        int max = MAX_THREADS_PER_PROCESSOR * processors;
        if (threads > max) {
            throw new UsageException("--threads " + threads + ": this machine has " + processors + (processors == 1 ? " processor" : " processors")
                    + "; give at most " + max + " (" + MAX_THREADS_PER_PROCESSOR + " per processor), or 0 for one per processor");
        }
        String n = name();
        if (device != null && PROCESSOR_ENGINES.contains(n)) {
            throw new UsageException("--device " + device + ": the " + n + " engine runs on this machine's processor and has no devices"
                    + " to choose; drop --device, or use --engine opencl (see 'delta4j devices')");
        }
        try {
            return new EngineConfig(threads, device, precision == null ? Precision.FP32 : precision);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--threads: " + e.getMessage());
        }
    }

    /** "cpu (2 threads, AVX-512)", with ", bf16 products" when the engine's products are not fp32. */
    static String describe(Engine e) {
        return e.name() + " (" + e.device() + ")" + (e.precision() == Precision.FP32 ? "" : ", " + e.precision().cliName() + " products");
    }

    /**
     * Whether the JIT compiles {@code e}'s kernels, so that a warm-up on a stand-in ({@link delta4j.model.Prewarm})
     * shortens the work that follows: the cpu engine's, unless {@code -Ddelta4j.noPrewarm=true}.
     */
    static boolean jitCompiled(Engine e) {
        return e.name().equals("cpu") && !Boolean.getBoolean("delta4j.noPrewarm");
    }

    private String name() {
        return engine == null ? "auto" : engine.trim().toLowerCase(Locale.ROOT);
    }

    /**
     * Creates the engine; an unknown name is a usage error, an unavailable engine or device a runtime error.
     * With "auto" and a {@code --device}, the device engine is chosen (the best one available here), never
     * one that would run on the processor and ignore the device.
     */
    Engine create() {
        EngineConfig c = config();
        try {
            if (device != null && name().equals("auto")) {
                return createDeviceEngine(c);
            }
            return Engines.create(engine, c);
        } catch (EngineUnavailableException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private Engine createDeviceEngine(EngineConfig c) {
        List<Engines.Found> found = Engines.list();
        List<Engines.Found> deviceEngines = found.stream().filter(f -> !PROCESSOR_ENGINES.contains(f.name())).toList();
        Engines.Found best = deviceEngines.stream().filter(f -> f.availability().available())
                .max(Comparator.comparingInt(f -> f.provider().autoPriority(f.availability()))).orElse(null);
        if (best == null) {
            StringBuilder why = new StringBuilder();
            for (Engines.Found f : deviceEngines) {
                why.append(why.isEmpty() ? " (" : "; ").append(f.name()).append(": ").append(f.availability().reason());
            }
            throw new EngineUnavailableException("--device " + device + ": no device engine is available here" + (why.isEmpty() ? "" : why + ")")
                    + "; drop --device to run on the cpu engine");
        }
        return best.provider().create(c);
    }

    /**
     * The worker threads an engine runs on, as its device description states them ("2 threads, AVX-512",
     * "plain Java, 1 thread"), or null when it does not say (a device engine).
     */
    static Integer threadsOf(Engine e) {
        Matcher m = THREADS_IN_DEVICE.matcher(e.device());
        return m.find() ? Integer.valueOf(m.group(1)) : null;
    }
}
