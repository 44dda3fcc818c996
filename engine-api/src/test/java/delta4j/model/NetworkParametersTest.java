package delta4j.model;

import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.reference.ReferenceEngine;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Network#parameters()} is the one list that optimizer state, clipping, norms, checkpoints and flat
 * parameter vectors follow: W[0], b[0], W[1], b[1], ..., the weights decaying and the biases not.
 */
class NetworkParametersTest {

    @Test
    void weightsThenBiasesPerLayerWithTheirGradients() {
        Mlp mlp = Mlp.builder(3).dense(5, Activation.TANH).dense(4, Activation.RELU).dense(2, Activation.IDENTITY).build();
        try (Engine e = new ReferenceEngine(); Network net = mlp.bind(e)) {
            List<Parameter> ps = net.parameters();
            assertEquals(2 * mlp.depth(), ps.size());
            long total = 0;
            for (int l = 0; l < mlp.depth(); l++) {
                Parameter w = ps.get(2 * l), b = ps.get(2 * l + 1);
                assertSame(net.weights(l), w.value(), "W[" + l + "]");
                assertSame(net.weightGradient(l), w.gradient(), "dW[" + l + "]");
                assertTrue(w.decays(), "weight decay applies to W[" + l + "]");
                assertSame(net.biases(l), b.value(), "b[" + l + "]");
                assertSame(net.biasGradient(l), b.gradient(), "db[" + l + "]");
                assertFalse(b.decays(), "no weight decay on b[" + l + "]");
                total += w.size() + b.size();
            }
            assertEquals(mlp.parameterCount(), total);
            assertSame(ps, net.parameters(), "one list for the network's life");
            assertThrows(UnsupportedOperationException.class, () -> ps.remove(0));
        }
    }
}
