package delta4j.spark;

import delta4j.data.Dataset;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Small data sets, as DataFrames (contiguous slices per partition) and as the same delta4j Dataset. */
final class TestData {

    private TestData() {
    }

    /** y = (sin(2a) + b·c, cos(a + b) − c²/2) on [−1, 1]³. */
    static Dataset regression(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n * 3], y = new float[n * 2];
        for (int i = 0; i < n; i++) {
            double a = rnd.nextDouble() * 2 - 1, b = rnd.nextDouble() * 2 - 1, c = rnd.nextDouble() * 2 - 1;
            x[i * 3] = (float) a;
            x[i * 3 + 1] = (float) b;
            x[i * 3 + 2] = (float) c;
            y[i * 2] = (float) (Math.sin(2 * a) + b * c);
            y[i * 2 + 1] = (float) (Math.cos(a + b) - c * c / 2);
        }
        return new Dataset(n, 3, 2, x, y);
    }

    /** Three classes cut by a weighted sum of four features; targets one-hot. */
    static Dataset classes(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n * 4], y = new float[n * 3];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int j = 0; j < 4; j++) {
                x[i * 4 + j] = (float) (rnd.nextDouble() * 2 - 1);
                sum += x[i * 4 + j] * (j + 1);
            }
            y[i * 3 + (sum < -1 ? 0 : sum < 1 ? 1 : 2)] = 1;
        }
        return new Dataset(n, 4, 3, x, y);
    }

    static final StructType VECTOR_LABEL = new StructType()
            .add("features", SQLDataTypes.VectorType(), false)
            .add("label", SQLDataTypes.VectorType(), false);

    static final StructType CLASS_LABEL = new StructType()
            .add("features", SQLDataTypes.VectorType(), false)
            .add("label", DataTypes.DoubleType, false);

    /** The data set as a DataFrame in {@code partitions} contiguous slices: vector labels, or class indices when {@code classes}. */
    static org.apache.spark.sql.Dataset<Row> frame(Dataset d, int partitions, boolean classes) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) {
            double[] f = toDouble(d.featureRow(i)), t = toDouble(d.targetRow(i));
            Object label;
            if (classes) {
                int k = 0;
                for (int j = 0; j < t.length; j++) {
                    if (t[j] > t[k]) {
                        k = j;
                    }
                }
                label = (double) k;
            } else {
                label = Vectors.dense(t);
            }
            rows.add(RowFactory.create(Vectors.dense(f), label));
        }
        var spark = LocalSpark.get();
        var jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        return spark.createDataFrame(jsc.parallelize(rows, partitions), classes ? CLASS_LABEL : VECTOR_LABEL);
    }

    static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    static float[] flat(delta4j.model.Mlp m) {
        float[] p = new float[(int) m.parameterCount()];
        int at = 0;
        for (int l = 0; l < m.depth(); l++) {
            float[] w = m.weights(l), b = m.biases(l);
            System.arraycopy(w, 0, p, at, w.length);
            at += w.length;
            System.arraycopy(b, 0, p, at, b.length);
            at += b.length;
        }
        return p;
    }

    /** Largest |a − b| / (1e-3 + |a|). */
    static double relativeDifference(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1e-3 + Math.abs(a[i])));
        }
        return worst;
    }
}
