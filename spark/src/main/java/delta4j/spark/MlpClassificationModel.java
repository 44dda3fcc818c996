package delta4j.spark;

import delta4j.model.Mlp;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A fitted {@link MlpClassifier}: appends {@code predictionCol} (the most probable class index, a double as
 * Spark's evaluators expect) and {@code probabilityCol} (a vector of K class probabilities: the softmax
 * outputs, or sigmoid outputs scaled to sum to 1). A multi-label classifier (loss bce) appends instead a vector of
 * K labels of 0 or 1 (each output at least 0.5) and the K sigmoid outputs, each label's own probability.
 */
public final class MlpClassificationModel extends MlpModel<MlpClassificationModel> {

    private static final long serialVersionUID = 1L;

    private final Param<String> probabilityCol;

    MlpClassificationModel(String uid, Mlp mlp) {
        super(uid, mlp);
        probabilityCol = new Param<>(this, "probabilityCol", "class probabilities column name");
        setDefault(probabilityCol, "probability");
    }

    /** Wraps a plain delta4j classifier network (e.g. one trained by the cli) as a Spark model. */
    public static MlpClassificationModel of(Mlp mlp) {
        return new MlpClassificationModel(org.apache.spark.ml.util.Identifiable$.MODULE$.randomUID("delta4jMlpClassificationModel"), mlp.copy());
    }

    /** Reads a delta4j model file (docs/MODEL_FORMAT.md) as a Spark model. */
    public static MlpClassificationModel fromModelFile(Path file) throws IOException {
        return of(delta4j.io.ModelFile.load(file));
    }

    public Param<String> probabilityCol() {
        return probabilityCol;
    }

    public MlpClassificationModel setProbabilityCol(String v) {
        set(probabilityCol, v);
        return this;
    }

    /** Number of classes K. */
    public int numClasses() {
        return mlp.outputs();
    }

    /** Whether the network is a multi-label classifier (sigmoid outputs trained with binary cross-entropy). */
    public boolean isMultiLabel() {
        return mlp.loss() == delta4j.engine.Loss.BINARY_CROSS_ENTROPY;
    }

    static StructType addOutputs(StructType schema, String prediction, String probability, boolean multiLabel) {
        return schema.add(DataTypes.createStructField(prediction, multiLabel ? SQLDataTypes.VectorType() : DataTypes.DoubleType, false))
                .add(DataTypes.createStructField(probability, SQLDataTypes.VectorType(), false));
    }

    @Override
    StructField[] outputFields() {
        StructType t = addOutputs(new StructType(), prediction(), getOrDefault(probabilityCol), isMultiLabel());
        return t.fields();
    }

    @Override
    RowOutputs rowOutputs() {
        if (isMultiLabel()) {
            return (y, at, k) -> {
                double[] labels = new double[k], p = new double[k];
                for (int j = 0; j < k; j++) {
                    p[j] = y[at + j];
                    labels[j] = y[at + j] >= 0.5f ? 1 : 0;
                }
                return new Object[]{Vectors.dense(labels), Vectors.dense(p)};
            };
        }
        return (y, at, k) -> {
            int best = 0;
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += y[at + j];
                if (y[at + j] > y[at + best]) {
                    best = j;
                }
            }
            double[] p = new double[k];
            for (int j = 0; j < k; j++) {
                p[j] = sum > 0 ? y[at + j] / sum : 1.0 / k;
            }
            return new Object[]{(double) best, Vectors.dense(p)};
        };
    }

    @Override
    public MlpClassificationModel copy(ParamMap extra) {
        MlpClassificationModel m = copyValues(new MlpClassificationModel(uid(), mlp.copy()), extra);
        m.summary = summary;
        return m.setParent(parent());
    }

    public static MLReader<MlpClassificationModel> read() {
        return new ModelIo.Reader<>(MlpClassificationModel.class, MlpClassificationModel::new);
    }

    public static MlpClassificationModel load(String path) {
        return read().load(path);
    }
}
