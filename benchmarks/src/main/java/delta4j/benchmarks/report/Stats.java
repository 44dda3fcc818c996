package delta4j.benchmarks.report;

import java.util.Arrays;

/**
 * The summary the report gives every measurement, JMH's and the peers' alike (benchmarks/peers/peers.py
 * computes the same): the median of the measured iterations and half their interquartile range. On a shared
 * machine a burst of other work drags a mean along with it; the median moves only when most iterations were
 * disturbed, so two implementations measured minutes apart stay comparable.
 */
final class Stats {

    private Stats() {
    }

    /** Quantile p of sorted values by linear interpolation between closest ranks (numpy's default rule). */
    static double quantile(double[] sorted, double p) {
        double pos = (sorted.length - 1) * p;
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    /** {median, half the interquartile range}; the spread is NaN for fewer than two values. */
    static double[] medianAndSpread(double[] values) {
        double[] x = values.clone();
        Arrays.sort(x);
        if (x.length == 0) {
            return new double[]{Double.NaN, Double.NaN};
        }
        double spread = x.length < 2 ? Double.NaN : (quantile(x, 0.75) - quantile(x, 0.25)) / 2;
        return new double[]{quantile(x, 0.5), spread};
    }
}
