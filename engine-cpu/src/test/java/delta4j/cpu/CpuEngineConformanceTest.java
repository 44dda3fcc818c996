package delta4j.cpu;

import delta4j.conformance.EngineConformanceKit;
import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.Engines;
import delta4j.engine.Precision;
import org.junit.jupiter.api.Nested;

/**
 * The conformance kit against the cpu engine, created through {@link Engines} as users do, on one thread
 * (every kernel's single-threaded path) and on two (the split paths), at every precision.
 */
class CpuEngineConformanceTest {

    @Nested
    class OneThread extends EngineConformanceKit {
        @Override
        protected Engine createEngine() {
            return Engines.create("cpu", EngineConfig.defaults().withThreads(1));
        }

        @Override
        protected Engine createEngine(Precision precision) {
            return Engines.create("cpu", EngineConfig.defaults().withThreads(1).withPrecision(precision));
        }
    }

    @Nested
    class TwoThreads extends EngineConformanceKit {
        @Override
        protected Engine createEngine() {
            return Engines.create("cpu", EngineConfig.defaults().withThreads(2));
        }

        @Override
        protected Engine createEngine(Precision precision) {
            return Engines.create("cpu", EngineConfig.defaults().withThreads(2).withPrecision(precision));
        }
    }
}
