package delta4j.spark;

import delta4j.model.Mlp;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A fitted {@link MlpRegressor}: appends the network's output as {@code predictionCol}, a double for one
 * output and a vector for several.
 */
public final class MlpRegressionModel extends MlpModel<MlpRegressionModel> {

    private static final long serialVersionUID = 1L;

    MlpRegressionModel(String uid, Mlp mlp) {
        super(uid, mlp);
    }

    /** Wraps a plain delta4j network (e.g. one trained by the cli) as a Spark model. */
    public static MlpRegressionModel of(Mlp mlp) {
        return new MlpRegressionModel(org.apache.spark.ml.util.Identifiable$.MODULE$.randomUID("delta4jMlpRegressionModel"), mlp.copy());
    }

    /** Reads a delta4j model file (docs/MODEL_FORMAT.md) as a Spark model. */
    public static MlpRegressionModel fromModelFile(Path file) throws IOException {
        return of(delta4j.io.ModelFile.load(file));
    }

    static StructField predictionField(String name, int outputs) {
        return DataTypes.createStructField(name, outputs == 1 ? DataTypes.DoubleType : SQLDataTypes.VectorType(), false);
    }

    @Override
    StructField[] outputFields() {
        return new StructField[]{predictionField(prediction(), mlp.outputs())};
    }

    @Override
    RowOutputs rowOutputs() {
        return (y, at, k) -> {
            if (k == 1) {
                return new Object[]{(double) y[at]};
            }
            double[] v = new double[k];
            for (int j = 0; j < k; j++) {
                v[j] = y[at + j];
            }
            return new Object[]{Vectors.dense(v)};
        };
    }

    @Override
    public MlpRegressionModel copy(ParamMap extra) {
        MlpRegressionModel m = copyValues(new MlpRegressionModel(uid(), mlp.copy()), extra);
        m.summary = summary;
        return m.setParent(parent());
    }

    public static MLReader<MlpRegressionModel> read() {
        return new ModelIo.Reader<>(MlpRegressionModel.class, MlpRegressionModel::new);
    }

    public static MlpRegressionModel load(String path) {
        return read().load(path);
    }
}
