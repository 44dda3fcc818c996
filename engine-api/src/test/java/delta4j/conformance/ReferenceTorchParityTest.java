package delta4j.conformance;

import delta4j.engine.DropoutMask;
import delta4j.engine.reference.ReferenceEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reference engine's dropout, normalisation and loss kernels, the oracle of every other engine's, against PyTorch
 * ({@link TorchLayers}) within {@link TorchLayers#REFERENCE_TOL}; and {@link DropoutMask} against the fixture's port of
 * it, which pins the generator's definition: the keys and bits must stay these forever (a change would make a resumed
 * run draw other masks than the run it resumes).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReferenceTorchParityTest {

    private ReferenceEngine ref;

    @BeforeAll
    void open() {
        ref = new ReferenceEngine();
    }

    @AfterAll
    void close() {
        ref.close();
    }

    @Test
    void dropoutMaskIsTheDefinedGenerator() {
        assertTrue(TorchLayers.keys().size() >= 5 && TorchLayers.bits().size() >= 40, "the fixture's key and bits tables");
        for (long[] k : TorchLayers.keys()) {
            assertEquals(k[4], DropoutMask.key(k[0], k[1], k[2], (int) k[3]), "key(" + k[0] + ", " + k[1] + ", " + k[2] + ", " + k[3] + ")");
        }
        for (long[] b : TorchLayers.bits()) {
            assertEquals(b[2], DropoutMask.bits(b[0], b[1]), "bits(" + b[0] + ", " + b[1] + ")");
        }
    }

    @Test
    void layerNormMatchesPyTorch() {
        TorchLayers.checkLayerNorm(ref, TorchLayers.REFERENCE_TOL);
    }

    @Test
    void batchNormMatchesPyTorch() {
        TorchLayers.checkBatchNorm(ref, TorchLayers.REFERENCE_TOL);
    }

    @Test
    void dropoutMatchesPyTorch() {
        TorchLayers.checkDropout(ref, TorchLayers.REFERENCE_TOL);
    }

    @Test
    void lossesMatchPyTorch() {
        TorchLayers.checkLosses(ref, TorchLayers.REFERENCE_TOL);
    }
}
