package delta4j.model;

import delta4j.conformance.LayerGradientKit;
import delta4j.engine.Engine;
import delta4j.engine.reference.ReferenceEngine;

/** The layer and loss finite-difference kit on the reference engine. */
class ReferenceLayerGradientTest extends LayerGradientKit {

    @Override
    protected Engine createEngine() {
        return new ReferenceEngine();
    }
}
