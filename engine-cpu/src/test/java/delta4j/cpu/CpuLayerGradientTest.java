package delta4j.cpu;

import delta4j.conformance.LayerGradientKit;
import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.Engines;

/**
 * The layer and loss finite-difference kit on the cpu engine (two threads, so the split paths run), held to the kit's
 * float32 tolerance (relative 2e-3, absolute 2e-5).
 */
class CpuLayerGradientTest extends LayerGradientKit {

    @Override
    protected Engine createEngine() {
        return Engines.create("cpu", EngineConfig.defaults().withThreads(2));
    }
}
