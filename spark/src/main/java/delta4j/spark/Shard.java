package delta4j.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * One partition's samples as the engines take them: features and targets in two flat row-major float
 * arrays. A fit turns the DataFrame into one shard per partition once, caches them, and every step
 * gathers its rows from there.
 */
final class Shard implements Serializable {

    private static final long serialVersionUID = 1L;

    final int partition;
    final int rows;
    final int features;
    final int targets;
    final float[] x;
    final float[] y;

    Shard(int partition, int rows, int features, int targets, float[] x, float[] y) {
        this.partition = partition;
        this.rows = rows;
        this.features = features;
        this.targets = targets;
        this.x = x;
        this.y = y;
    }

    /**
     * What the label column holds and how it becomes targets: class indices (one-hot targets), 0/1 vectors of
     * {@code count} labels (multi-label), or numbers (one per row, or a vector).
     */
    record Targets(boolean classes, int count, boolean multiLabel) implements Serializable {

        Targets(boolean classes, int count) {
            this(classes, count, false);
        }

        /** Writes the targets of one label value at {@code dst[at..at+count)}. */
        void encode(Object label, float[] dst, int at, String column) {
            if (classes) {
                double v = number(label, column);
                int k = (int) v;
                if (k != v || k < 0 || k >= count) {
                    throw new IllegalArgumentException("label column '" + column + "' holds " + v + ": a classifier with " + count
                            + " outputs needs class indices 0.." + (count - 1) + " (index string labels with StringIndexer first)");
                }
                dst[at + k] = 1f;
            } else if (multiLabel && count == 1 && label instanceof Number) {
                double t = ((Number) label).doubleValue();
                if (t != 0 && t != 1) {
                    throw new IllegalArgumentException("label column '" + column + "' holds " + t + ": loss bce with one output needs labels of 0 or 1");
                }
                dst[at] = (float) t;
            } else if (multiLabel) {
                if (!(label instanceof Vector v) || v.size() != count) {
                    throw new IllegalArgumentException("label column '" + column + "' holds " + (label instanceof Vector v ? "a vector of " + v.size()
                            + " values" : label == null ? "null" : label.getClass().getSimpleName() + " values") + ": loss bce (multi-label) needs a"
                            + " vector of " + count + " labels of 0 or 1 per row, one per output");
                }
                for (int j = 0; j < count; j++) {
                    double t = v.apply(j);
                    if (t != 0 && t != 1) {
                        throw new IllegalArgumentException("label column '" + column + "' holds " + t + " in a label vector: loss bce (multi-label)"
                                + " needs labels of 0 or 1");
                    }
                    dst[at + j] = (float) t;
                }
            } else if (label instanceof Vector v) {
                if (v.size() != count) {
                    throw new IllegalArgumentException("label column '" + column + "' holds a vector of " + v.size()
                            + " values, the network has " + count + " outputs");
                }
                for (int j = 0; j < count; j++) {
                    dst[at + j] = finite((float) v.apply(j), column);
                }
            } else {
                if (count != 1) {
                    throw new IllegalArgumentException("label column '" + column + "' holds one number per row, the network has " + count
                            + " outputs: give a vector label column or a last layer of 1");
                }
                dst[at] = finite((float) number(label, column), column);
            }
        }

        private static double number(Object label, String column) {
            if (label instanceof Number n) {
                return n.doubleValue();
            }
            throw new IllegalArgumentException("label column '" + column + "' holds " + (label == null ? "null" : label.getClass().getSimpleName())
                    + " values: it must be numeric" + " (or a vector for several regression targets)");
        }
    }

    static float finite(float v, String column) {
        if (!Float.isFinite(v)) {
            throw new IllegalArgumentException("column '" + column + "' holds " + v + ": remove or impute NaN and infinite values before fitting");
        }
        return v;
    }

    /** The shards of a DataFrame: one per partition, in partition order, rows in the DataFrame's order. */
    static JavaRDD<Shard> of(Dataset<Row> df, String featuresCol, String labelCol, int features, Targets targets) {
        return df.select(featuresCol, labelCol).javaRDD().mapPartitionsWithIndex((p, it) -> {
            List<float[]> xs = new ArrayList<>();
            List<float[]> ys = new ArrayList<>();
            while (it.hasNext()) {
                Row r = it.next();
                Object f = r.get(0);
                if (!(f instanceof Vector v)) {
                    throw new IllegalArgumentException("features column '" + featuresCol + "' holds "
                            + (f == null ? "null" : f.getClass().getSimpleName()) + " values: it must be a vector column (VectorAssembler makes one)");
                }
                if (v.size() != features) {
                    throw new IllegalArgumentException("features column '" + featuresCol + "' holds vectors of " + v.size()
                            + " values, the network has " + features + " inputs (the first entry of layers)");
                }
                float[] row = new float[features];
                for (int j = 0; j < features; j++) {
                    row[j] = finite((float) v.apply(j), featuresCol);
                }
                float[] t = new float[targets.count()];
                targets.encode(r.get(1), t, 0, labelCol);
                xs.add(row);
                ys.add(t);
            }
            int n = xs.size();
            float[] x = new float[n * features], y = new float[n * targets.count()];
            for (int i = 0; i < n; i++) {
                System.arraycopy(xs.get(i), 0, x, i * features, features);
                System.arraycopy(ys.get(i), 0, y, i * targets.count(), targets.count());
            }
            return List.of(new Shard(p, n, features, targets.count(), x, y)).iterator();
        }, true);
    }

    /** This shard with its targets standardised by {@code ts}, t' = (t − μ)/σ (the features shared, the targets copied). */
    Shard withStandardisedTargets(delta4j.data.Standardizer ts) {
        float[] t = y.clone();
        ts.applyToTargetsInPlace(t, t.length);
        return new Shard(partition, rows, features, targets, x, t);
    }

    /** The one shard of a partition's iterator. */
    static Shard single(Iterator<Shard> it) {
        if (!it.hasNext()) {
            throw new IllegalStateException("a partition without its shard");
        }
        Shard s = it.next();
        if (it.hasNext()) {
            throw new IllegalStateException("partition " + s.partition + " holds more than one shard");
        }
        return s;
    }
}
