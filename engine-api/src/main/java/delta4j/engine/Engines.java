package delta4j.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Finds engines with {@link ServiceLoader} and creates them by name, or picks the best one ("auto"). */
public final class Engines {

    /** The fallbacks already reported: each is said once per JVM, however often "auto" is asked. */
    private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();

    private Engines() {
    }

    /**
     * One engine provider and what probing it found.
     *
     * @param provider the provider
     * @param availability its probe's answer (a probe that threw counts as unavailable)
     */
    public record Found(EngineProvider provider, EngineProvider.Availability availability) {
        /** {@return the provider's {@link EngineProvider#name()}} */
        public String name() {
            return provider.name();
        }
    }

    /** {@return every engine provider on the class path or module path, probed, in discovery order} */
    public static List<Found> list() {
        List<Found> out = new ArrayList<>();
        for (EngineProvider p : providers()) {
            out.add(probed(p));
        }
        return out;
    }

    private static Iterable<EngineProvider> providers() {
        return ServiceLoader.load(EngineProvider.class, Engines.class.getClassLoader());
    }

    private static Found probed(EngineProvider p) {
        EngineProvider.Availability a;
        try {
            a = p.probe();
        } catch (RuntimeException | LinkageError e) {
            a = EngineProvider.Availability.no("probe failed: " + e);
        }
        return new Found(p, a);
    }

    /** {@return the names of all discovered engines} */
    public static List<String> names() {
        return list().stream().map(Found::name).toList();
    }

    /**
     * Starts the {@link EngineProvider#prepare preparation} of the engine a later {@link #create} will be asked for, on a
     * daemon thread, and returns at once: the named provider's, or every provider's for "auto" (or null). The
     * command line calls it before it parses its arguments, which on two cores leaves a core free for the engine's class
     * initialisation (docs/BENCHMARKS.md, "Cold start"). A name no provider has starts nothing; {@link #create} will say
     * so.
     *
     * @param name the engine's name, in any case, or "auto" (also when null)
     */
    public static void prepareInBackground(String name) {
        String n = name == null ? "auto" : name.trim().toLowerCase(Locale.ROOT);
        Thread t = new Thread(() -> {
            for (EngineProvider p : providers()) {
                if (n.equals("auto") || p.name().equals(n)) {
                    try {
                        p.prepare();
                    } catch (RuntimeException | LinkageError e) {
                        // The contract says prepare does not throw; a broken provider must not break the program either:
                        // its probe and create report what is wrong.
                    }
                }
            }
        }, "delta4j-engine-prepare");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Creates the named engine ("reference", "cpu", "opencl", ...) or the best available one for "auto", with
     * {@link EngineConfig#defaults()}.
     *
     * @param name the engine's name, in any case, or "auto" (also when null)
     * @return a new, open engine, which the caller closes
     * @throws IllegalArgumentException if no engine has that name, listing the names
     * @throws EngineUnavailableException if the engine (for "auto": every engine) cannot run here, with the reason
     */
    public static Engine create(String name) {
        return create(name, EngineConfig.defaults());
    }

    /**
     * Creates the named engine with a configuration; "auto" picks by {@link EngineProvider#autoPriority}, and logs
     * a warning once when it passes over an engine that should have run.
     *
     * @param name the engine's name, in any case, or "auto" (also when null)
     * @param config the thread count, device index and other settings
     * @return a new, open engine, which the caller closes
     * @throws IllegalArgumentException if no engine has that name, listing the names
     * @throws EngineUnavailableException if the engine (for "auto": every engine) cannot run here, with the reason
     */
    public static Engine create(String name, EngineConfig config) {
        String n = name == null ? "auto" : name.trim().toLowerCase(Locale.ROOT);
        if (!n.equals("auto")) {
            // Only the named provider is probed: asking for the cpu engine must not load an OpenCL runtime
            // (its native libraries and threads) into the process.
            for (EngineProvider p : providers()) {
                if (p.name().equals(n)) {
                    Found f = probed(p);
                    if (!f.availability().available()) {
                        throw new EngineUnavailableException("the " + n + " engine is not available: " + f.availability().reason());
                    }
                    return p.create(config);
                }
            }
        }
        List<Found> found = list();
        if (n.equals("auto")) {
            Found best = found.stream()
                    .filter(f -> f.availability().available() && f.provider().autoPriority(f.availability()) >= 0)
                    .max(Comparator.comparingInt(f -> f.provider().autoPriority(f.availability())))
                    .orElseThrow(() -> new EngineUnavailableException("no engine is available: " + describe(found)));
            java.util.Optional<String> warning = fallbackWarning(best, found);
            if (warning.isPresent() && REPORTED.add(warning.get())) {
                // Said through java.lang.System.Logger, so an application can route it; the logger is asked for here,
                // not held, since starting the logging framework would cost every engine's creation milliseconds.
                System.getLogger(Engines.class.getName()).log(System.Logger.Level.WARNING, warning.get());
            }
            return best.provider().create(config);
        }
        throw new IllegalArgumentException("unknown engine '" + name + "': choose auto or one of " + String.join(", ", names(found)));
    }

    /**
     * What "auto" must say when it falls back: the engines that are present but cannot run and would have
     * outranked the chosen one ({@link EngineProvider#autoPriority} of their unavailable probe above the chosen
     * engine's), each with the reason its probe gave, which names the fix. Empty when nothing was passed over. The
     * case it exists for: the cpu engine on the class path without {@code --add-modules jdk.incubator.vector},
     * where "auto" would otherwise train on the single-threaded reference engine without a word.
     */
    static java.util.Optional<String> fallbackWarning(Found chosen, List<Found> found) {
        int chosenPriority = chosen.provider().autoPriority(chosen.availability());
        List<Found> passedOver = found.stream()
                .filter(f -> !f.availability().available() && f.provider().autoPriority(f.availability()) > chosenPriority)
                .toList();
        if (passedOver.isEmpty()) {
            return java.util.Optional.empty();
        }
        StringBuilder sb = new StringBuilder("engine \"auto\" chose the ").append(chosen.name()).append(" engine (")
                .append(chosen.availability().device()).append(") because ");
        for (int i = 0; i < passedOver.size(); i++) {
            Found f = passedOver.get(i);
            sb.append(i == 0 ? "" : "; and ").append("the ").append(f.name()).append(" engine cannot be used: ")
                    .append(f.availability().reason());
        }
        return java.util.Optional.of(sb.toString());
    }

    /** {@return the reference engine, always available} */
    public static Engine reference() {
        return new delta4j.engine.reference.ReferenceEngine();
    }

    private static List<String> names(List<Found> found) {
        return found.stream().map(Found::name).toList();
    }

    private static String describe(List<Found> found) {
        StringBuilder sb = new StringBuilder();
        for (Found f : found) {
            sb.append(f.name()).append(": ").append(f.availability().available() ? "available" : f.availability().reason()).append("; ");
        }
        return sb.toString();
    }
}
