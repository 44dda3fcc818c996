package delta4j.conformance;

import delta4j.engine.Engine;
import delta4j.engine.reference.ReferenceEngine;

/** The reference engine against itself: proves the kit's plumbing and the reference engine's lifecycle. */
class ReferenceEngineConformanceTest extends EngineConformanceKit {
    @Override
    protected Engine createEngine() {
        return new ReferenceEngine();
    }
}
