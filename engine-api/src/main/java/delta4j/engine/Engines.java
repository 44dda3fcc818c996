package delta4j.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/** Finds engines with {@link ServiceLoader} and creates them by name, or picks the best one ("auto"). */
public final class Engines {

    private Engines() {
    }

    /** One engine provider and what probing it found. */
    public record Found(EngineProvider provider, EngineProvider.Availability availability) {
        public String name() {
            return provider.name();
        }
    }

    /** Every engine provider on the class path or module path, probed, in discovery order. */
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

    /** The names of all discovered engines. */
    public static List<String> names() {
        return list().stream().map(Found::name).toList();
    }

    /** Creates the named engine ("reference", "cpu", "opencl", ...) or the best available one for "auto". */
    public static Engine create(String name) {
        return create(name, EngineConfig.defaults());
    }

    /** Creates the named engine with a configuration; "auto" picks by {@link EngineProvider#autoPriority}. */
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
            return best.provider().create(config);
        }
        throw new IllegalArgumentException("unknown engine '" + name + "': choose auto or one of " + String.join(", ", names(found)));
    }

    /** The reference engine, always available. */
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
