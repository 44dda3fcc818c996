package delta4j.engine;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "auto" falls back loudly: an engine that is present but cannot run, and would have outranked the chosen one,
 * is named with its reason; one whose absence is normal (a negative priority when unavailable) is not.
 * (The child-JVM check of the real case, the cpu engine without its flag, is engine-cpu's VectorModuleMissingTest.)
 */
class EnginesTest {

    private static Engines.Found found(String name, EngineProvider.Availability a, int priorityWhenUnavailable) {
        EngineProvider p = new EngineProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Availability probe() {
                return a;
            }

            @Override
            public int autoPriority(Availability availability) {
                return availability.available() ? 1000 : priorityWhenUnavailable;
            }

            @Override
            public Engine create(EngineConfig config) {
                throw new UnsupportedOperationException();
            }
        };
        return new Engines.Found(p, a);
    }

    @Test
    void autoNamesTheEngineItPassedOverWithTheFix() {
        Engines.Found reference = Engines.list().stream().filter(f -> f.name().equals("reference")).findFirst().orElseThrow();
        Engines.Found vector = found("vec", EngineProvider.Availability.no("add the flag --add-modules x"), 100);
        Engines.Found gpu = found("gpu", EngineProvider.Availability.no("no OpenCL here"), -1);
        Optional<String> w = Engines.fallbackWarning(reference, List.of(reference, vector, gpu));
        assertTrue(w.isPresent());
        assertEquals("engine \"auto\" chose the reference engine (plain Java, 1 thread) because the vec engine cannot be used: "
                + "add the flag --add-modules x", w.get());
        assertEquals(Optional.empty(), Engines.fallbackWarning(reference, List.of(reference, gpu)), "an absent GPU is normal");
        Engines.Found fast = found("fastest", EngineProvider.Availability.yes("x", false), 100);
        assertEquals(Optional.empty(), Engines.fallbackWarning(fast, List.of(fast, vector)), "nothing better was passed over");
    }
}
