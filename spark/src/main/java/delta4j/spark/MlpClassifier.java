package delta4j.spark;

import delta4j.engine.Loss;
import delta4j.model.Mlp;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.StructType;

/**
 * Classification with a delta4j MLP on Spark: the label column holds class indices 0..K−1 (as Spark's
 * StringIndexer makes them), the last layer has K outputs, softmax with cross-entropy by default (or
 * {@code setLoss("mse")} with a sigmoid output). The model adds the predicted class index and the class
 * probabilities. With {@code setLoss("bce")} it is a multi-label classifier: the label column holds vectors of K
 * labels of 0 or 1, the outputs are sigmoids, and the model adds a vector of K predicted labels and their K
 * probabilities.
 *
 * <pre>{@code
 * MlpClassificationModel m = new MlpClassifier().setLayers(784, 256, 128, 10).setLearningRate(1e-3).fit(train);
 * }</pre>
 */
public final class MlpClassifier extends MlpEstimator<MlpClassifier, MlpClassificationModel> {

    private static final long serialVersionUID = 1L;

    private final Param<String> probabilityCol;

    public MlpClassifier() {
        this(Identifiable$.MODULE$.randomUID("delta4jMlpClassifier"));
    }

    public MlpClassifier(String uid) {
        super(uid, "softmax", "ce");
        probabilityCol = new Param<>(this, "probabilityCol", "class probabilities column name");
        setDefault(probabilityCol, "probability");
    }

    public Param<String> probabilityCol() {
        return probabilityCol;
    }

    public MlpClassifier setProbabilityCol(String v) {
        set(probabilityCol, v);
        return this;
    }

    /**
     * Loss "mse" trains sigmoid outputs against one-hot targets, and loss "bce" sigmoid outputs against 0/1 label
     * vectors (multi-label), unless an output activation is set.
     */
    @Override
    Mlp initialModel() {
        Loss l = lossFunction();
        if (!isSet(outputActivation()) && (l == Loss.MSE || l == Loss.BINARY_CROSS_ENTROPY)) {
            setOutputActivation("sigmoid");
        }
        return super.initialModel();
    }

    /** Whether the loss makes this a multi-label classifier (label vectors of 0/1, loss bce). */
    boolean multiLabel() {
        return lossFunction() == Loss.BINARY_CROSS_ENTROPY;
    }

    @Override
    Shard.Targets targets(int outputs) {
        if (multiLabel()) {
            return new Shard.Targets(false, outputs, true);
        }
        if (outputs < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 outputs (one per class), the last layer has " + outputs);
        }
        return new Shard.Targets(true, outputs);
    }

    @Override
    MlpClassificationModel newModel(String uid, Mlp mlp) {
        return new MlpClassificationModel(uid, mlp);
    }

    @Override
    StructType outputSchema(StructType schema) {
        return MlpClassificationModel.addOutputs(schema, getOrDefault(predictionCol()), getOrDefault(probabilityCol), multiLabel());
    }

    @Override
    public MlpClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<MlpClassifier> read() {
        return new DefaultParamsReader<>();
    }

    public static MlpClassifier load(String path) {
        return read().load(path);
    }
}
