package delta4j.spark;

import delta4j.data.Dataset;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Layout#balanced}: a permutation that keeps each partition's order and gives every batch each partition's share. */
class LayoutTest {

    @Test
    void balancedBatchesTakeEachPartitionsShareAndKeepItsOrder() {
        SplittableRandom random = new SplittableRandom(11);
        List<int[]> shapes = new ArrayList<>(List.of(new int[]{4096, 4096}, new int[]{67, 68, 68}, new int[]{1000, 10, 0, 500, 3},
                new int[]{1, 1, 1, 1, 1, 1, 1}, new int[]{30000, 30000, 29999, 1}, new int[]{5, 0, 1000, 1, 1}));
        int[] giantAndTiny = new int[100]; // one large partition and 99 of one row: the rows must spread over the epoch
        Arrays.fill(giantAndTiny, 1);
        giantAndTiny[37] = 20000;
        shapes.add(giantAndTiny);
        for (int s = 0; s < 20; s++) {
            int[] counts = new int[2 + random.nextInt(12)];
            for (int p = 0; p < counts.length; p++) {
                counts[p] = random.nextInt(4) == 0 ? random.nextInt(3) : random.nextInt(2000);
            }
            counts[0]++;
            shapes.add(counts);
        }
        for (int[] counts : shapes) {
            for (double fraction : new double[]{0, 0.2}) {
                Layout layout = new Layout(counts, fraction, 7);
                int n = layout.trainSize();
                int[] order = Dataset.permutation(n, random);
                int[] balanced = layout.balanced(order);
                String what = Arrays.toString(counts) + " validation " + fraction;

                int[] sorted = balanced.clone();
                Arrays.sort(sorted);
                for (int i = 0; i < n; i++) {
                    assertEquals(i, sorted[i], what + ": a permutation of the training positions");
                }
                assertEquals(sourceOrder(layout, order), sourceOrder(layout, balanced), what + ": each partition's order kept");

                // Every prefix within 1 − 1/(2P − 2) of its share (P: the partitions that hold training rows).
                int[] share = layout.trainCounts();
                int sources = (int) Arrays.stream(share).filter(c -> c > 0).count();
                double bound = sources <= 1 ? 0 : 1 - 1.0 / (2 * sources - 2);
                int[][] prefix = new int[counts.length][n + 1];
                for (int i = 0; i < n; i++) {
                    int owner = layout.owner(layout.trainIndex()[balanced[i]]);
                    for (int p = 0; p < counts.length; p++) {
                        prefix[p][i + 1] = prefix[p][i] + (p == owner ? 1 : 0);
                    }
                }
                for (int p = 0; p < counts.length; p++) {
                    for (int t = 1; t <= n; t++) {
                        double off = prefix[p][t] - (double) t * share[p] / n;
                        assertTrue(Math.abs(off) <= bound + 1e-9, what + ": partition " + p + " has " + prefix[p][t] + " of the first "
                                + t + " positions, " + off + " off its share (at most " + bound + ")");
                    }
                }
                // So every batch is within 2 rows of each partition's share, within 1 for two partitions.
                for (int batch : new int[]{1, 7, 32, 128, 512}) {
                    for (int from = 0; from < n; from += batch) {
                        int rows = Math.min(batch, n - from);
                        for (int p = 0; p < counts.length; p++) {
                            int held = prefix[p][from + rows] - prefix[p][from];
                            double quota = (double) rows * share[p] / n;
                            assertTrue(Math.abs(held - quota) < (sources == 2 ? 1 : 2), what + ", batch " + batch + " at " + from
                                    + ": partition " + p + " holds " + held + " rows for a share of " + quota);
                        }
                    }
                }
            }
        }
    }

    @Test
    void equalPartitionsGiveEqualParts() {
        Layout layout = new Layout(new int[]{4096, 4096}, 0, 1);
        int[] balanced = layout.balanced(Dataset.permutation(8192, new SplittableRandom(3)));
        for (int from = 0; from < 8192; from += 512) {
            int first = 0;
            for (int i = from; i < from + 512; i++) {
                first += layout.owner(balanced[i]) == 0 ? 1 : 0;
            }
            assertEquals(256, first, "batch at " + from);
        }
    }

    @Test
    void onePartitionKeepsTheTrainersOrder() {
        Layout layout = new Layout(new int[]{203}, 0.2, 5);
        int[] order = Dataset.permutation(layout.trainSize(), new SplittableRandom(9));
        assertArrayEquals(order, layout.balanced(order));
    }

    /** Each partition's training positions in the order {@code order} visits them. */
    private static List<List<Integer>> sourceOrder(Layout layout, int[] order) {
        List<List<Integer>> out = new ArrayList<>();
        for (int p = 0; p < layout.partitions(); p++) {
            out.add(new ArrayList<>());
        }
        for (int j : order) {
            out.get(layout.owner(layout.trainIndex()[j])).add(j);
        }
        return out;
    }
}
