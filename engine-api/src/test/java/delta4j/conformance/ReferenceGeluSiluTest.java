package delta4j.conformance;

import delta4j.engine.Activation;
import delta4j.engine.reference.ReferenceEngine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reference engine's GELU and SiLU, the oracle of every other engine's, against double-precision values
 * of PyTorch's definitions ({@link GeluSiluValues}): φ and φ' are the exact values rounded to float, give or
 * take the last bit where the reference's double differs from Python's in the digits a rounding looks at.
 */
class ReferenceGeluSiluTest {

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"GELU", "SILU"})
    void withinOneUlpOfTheExactValues(Activation act) {
        try (ReferenceEngine e = new ReferenceEngine()) {
            double[] w = GeluSiluValues.worstUlps(e, act);
            System.out.println(act + " reference: φ within " + w[0] + " ulp (worst at x = " + w[2] + "), φ' within " + w[1]
                    + " ulp (x = " + w[3] + ")");
            assertTrue(w[0] <= 1 && w[1] <= 1, act + ": " + Arrays.toString(w));
        }
    }
}
