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

/** delta4j Datasets (TrainingFixtures' small data sets) as DataFrames in contiguous slices per partition, and comparisons of weights. */
final class TestData {

    private TestData() {
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

    /** Largest |a − b| / (1e-3 + |a|). */
    static double relativeDifference(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1e-3 + Math.abs(a[i])));
        }
        return worst;
    }
}
