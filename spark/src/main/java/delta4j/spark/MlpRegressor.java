package delta4j.spark;

import delta4j.model.Mlp;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.StructType;

/**
 * Regression with a delta4j MLP on Spark: a numeric label column (one output) or a vector label column
 * (several outputs), MSE loss, identity output by default (or {@code setLoss("l1")}, {@code "huber:δ"}). With MSE and
 * an identity output the targets are standardised over the training rows for training and the predictions come back
 * in their units ({@code standardizeTargets}, as {@link delta4j.model.Trainer} does). {@code setLayers(in, ..., out)}
 * is required.
 *
 * <pre>{@code
 * MlpRegressionModel m = new MlpRegressor().setLayers(8, 64, 64, 1).setEpochs(20).setMode("sync").fit(train);
 * Dataset<Row> predicted = m.transform(test);
 * }</pre>
 */
public final class MlpRegressor extends MlpEstimator<MlpRegressor, MlpRegressionModel> {

    private static final long serialVersionUID = 1L;

    public MlpRegressor() {
        this(Identifiable$.MODULE$.randomUID("delta4jMlpRegressor"));
    }

    public MlpRegressor(String uid) {
        super(uid, "identity", "mse");
    }

    @Override
    Shard.Targets targets(int outputs) {
        return new Shard.Targets(false, outputs);
    }

    @Override
    MlpRegressionModel newModel(String uid, Mlp mlp) {
        return new MlpRegressionModel(uid, mlp);
    }

    @Override
    StructType outputSchema(StructType schema) {
        int outputs = isDefined(layers()) ? getOrDefault(layers())[getOrDefault(layers()).length - 1] : 1;
        return schema.add(MlpRegressionModel.predictionField(getOrDefault(predictionCol()), outputs));
    }

    @Override
    public MlpRegressor copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<MlpRegressor> read() {
        return new DefaultParamsReader<>();
    }

    public static MlpRegressor load(String path) {
        return read().load(path);
    }
}
