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

    /** The kit on the cpu engine with a given number of threads. */
    abstract static class OnThreads extends EngineConformanceKit {
        private final int threads;

        OnThreads(int threads) {
            this.threads = threads;
        }

        @Override
        protected Engine createEngine() {
            return Engines.create("cpu", EngineConfig.defaults().withThreads(threads));
        }

        @Override
        protected Engine createEngine(Precision precision) {
            return Engines.create("cpu", EngineConfig.defaults().withThreads(threads).withPrecision(precision));
        }
    }

    @Nested
    class OneThread extends OnThreads {
        OneThread() {
            super(1);
        }
    }

    @Nested
    class TwoThreads extends OnThreads {
        TwoThreads() {
            super(2);
        }
    }
}
