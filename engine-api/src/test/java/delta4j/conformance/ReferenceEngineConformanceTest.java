package delta4j.conformance;

import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.Engines;
import delta4j.engine.Precision;
import delta4j.engine.reference.ReferenceEngine;

/**
 * The reference engine against itself: proves the kit's plumbing and the reference engine's lifecycle. At tf32 and
 * bf16 the engine under test is created through {@link Engines} as users do, so the configuration's precision is
 * seen to reach it.
 */
class ReferenceEngineConformanceTest extends EngineConformanceKit {
    @Override
    protected Engine createEngine() {
        return new ReferenceEngine();
    }

    @Override
    protected Engine createEngine(Precision precision) {
        return Engines.create("reference", EngineConfig.defaults().withPrecision(precision));
    }
}
