package delta4j.cpu;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The in-register block transpose against the plain double loop, for every stored row count. */
class TransposeTest {

    @Test
    void blockMatchesTheDefinitionAndStoresOnlyItsRows() {
        int l = Transpose.L;
        if (!Transpose.SUPPORTED) {
            System.out.println("TransposeTest: no block transpose for " + l + " lanes; the packs copy in scalar code");
            return;
        }
        int ld = 3 * l + 5, ldDst = 2 * l + 3, from = 7, to = 4;
        SplittableRandom rnd = new SplittableRandom(l);
        float[] src = new float[from + l * ld];
        for (int i = 0; i < src.length; i++) {
            src[i] = (float) rnd.nextDouble(-1, 1);
        }
        for (int rows = 1; rows <= l; rows++) {
            float[] dst = new float[to + l * ldDst + l];
            Arrays.fill(dst, Float.NaN);
            Transpose.block(src, from, ld, dst, to, ldDst, rows);
            for (int j = 0; j < l; j++) {
                for (int i = 0; i < l; i++) {
                    float got = dst[to + j * ldDst + i];
                    if (j < rows) {
                        assertEquals(src[from + i * ld + j], got, 0f, "rows=" + rows + " dst row " + j + " col " + i);
                    } else {
                        assertEquals(Float.NaN, got, "rows=" + rows + ": row " + j + " must not be written");
                    }
                }
            }
        }
    }
}
