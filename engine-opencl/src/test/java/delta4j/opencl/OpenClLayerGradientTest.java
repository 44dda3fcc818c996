package delta4j.opencl;

import delta4j.conformance.LayerGradientKit;
import delta4j.engine.Engine;

/**
 * The layer and loss finite-difference kit on the OpenCL engine, held to the kit's float32 tolerance (relative 2e-3,
 * absolute 2e-5): the engine's default precision computes in float32 as the others do.
 */
class OpenClLayerGradientTest extends LayerGradientKit {

    @Override
    protected Engine createEngine() {
        return OpenClTestSupport.engine();
    }
}
