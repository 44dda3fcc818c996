package delta4j.model;

import delta4j.conformance.TorchLayers;
import delta4j.engine.reference.ReferenceEngine;
import org.junit.jupiter.api.Test;

/**
 * A whole model against PyTorch on the reference engine: {@link TorchLayers#checkModel} (batch normalisation, ReLU and
 * dropout keyed by step in a 4-5-3 network, 3 SGD steps) within {@value #TOL}. The reference engine computes each
 * kernel in double and rounds its outputs to float, so three steps of a small network stay within a few float
 * roundings of torch's float64. Skipped while {@link Network} has no training pass.
 */
class TorchParityModelTest {

    static final double TOL = 1e-6;

    @Test
    void threeSgdStepsOfANormalisedDropoutNetworkMatchPyTorch() {
        try (ReferenceEngine engine = new ReferenceEngine()) {
            TorchLayers.checkModel(engine, TOL);
        }
    }
}
