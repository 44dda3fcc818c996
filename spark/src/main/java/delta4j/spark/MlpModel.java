package delta4j.spark;

import delta4j.io.ModelFile;
import delta4j.model.Mlp;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What the fitted models share: a trained delta4j network, a Transformer that appends its predictions to a
 * DataFrame (each partition predicts with its own engine), and Spark ML persistence that stores the
 * network as a delta4j model file ({@code data/model.d4j}, docs/MODEL_FORMAT.md) beside Spark's params
 * metadata, so a model moves between Spark and plain delta4j unchanged.
 *
 * @param <M> the model itself
 */
public abstract class MlpModel<M extends MlpModel<M>> extends Model<M> implements MLWritable {

    private static final long serialVersionUID = 1L;

    private final String uid;
    final transient Mlp mlp;
    transient FitSummary summary;
    private final Param<String> featuresCol;
    private final Param<String> predictionCol;
    private final Param<String> engine;
    private final IntParam engineThreads;

    // Spark ML params are made with their owner (new Param<>(this, ...)), which only reads uid, set first.
    @SuppressWarnings("this-escape")
    protected MlpModel(String uid, Mlp mlp) {
        this.uid = uid;
        this.mlp = mlp;
        featuresCol = new Param<>(this, "featuresCol", "features column name (a vector column)");
        predictionCol = new Param<>(this, "predictionCol", "prediction column name");
        engine = new Param<>(this, "engine", "delta4j engine each partition predicts with: cpu, opencl, reference or auto");
        engineThreads = new IntParam(this, "engineThreads", "threads of each task's cpu engine (0: spark.task.cpus)");
        setDefault(featuresCol, "features");
        setDefault(predictionCol, "prediction");
        setDefault(engine, "cpu");
        setDefault(engineThreads, 0);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> featuresCol() { return featuresCol; }
    public Param<String> predictionCol() { return predictionCol; }
    public Param<String> engine() { return engine; }
    public IntParam engineThreads() { return engineThreads; }

    @SuppressWarnings("unchecked")
    private M self() {
        return (M) this;
    }

    public M setFeaturesCol(String v) { set(featuresCol, v); return self(); }
    public M setPredictionCol(String v) { set(predictionCol, v); return self(); }
    public M setEngine(String v) { set(engine, v); return self(); }
    public M setEngineThreads(int v) { set(engineThreads, v); return self(); }

    /** A copy of the trained network, for plain delta4j ({@code mlp.predict(engine, x)}, {@code Trainer}, ...). */
    public Mlp network() {
        return mlp.copy();
    }

    /** Writes the network as a delta4j model file (atomically), the file {@code delta4j predict --model} reads. */
    public void exportModel(Path file) throws IOException {
        ModelFile.save(mlp, file);
    }

    /** How the fit went; only a model fitted in this session has one (not a loaded one). */
    public FitSummary summary() {
        if (summary == null) {
            throw new IllegalStateException("this model has no training summary: it was loaded, not fitted here");
        }
        return summary;
    }

    public boolean hasSummary() {
        return summary != null;
    }

    // ------------------------------------------------------------------ what a subclass says

    /** The columns the model appends: names and types, in order. */
    abstract StructField[] outputFields();

    /** Turns one row's network outputs {@code y[at .. at+outputs)} into the appended column values. */
    abstract RowOutputs rowOutputs();

    /** The appended values of one row: serialisable, because it runs in the tasks. */
    interface RowOutputs extends Serializable {
        Object[] of(float[] y, int at, int outputs);
    }

    /** The model's params that name columns, for the output schema. */
    String prediction() {
        return getOrDefault(predictionCol);
    }

    // ------------------------------------------------------------------ Transformer

    @Override
    public StructType transformSchema(StructType schema) {
        String f = getOrDefault(featuresCol);
        if (!Arrays.asList(schema.fieldNames()).contains(f)) {
            throw new IllegalArgumentException("the DataFrame has no features column '" + f + "' (columns: " + String.join(", ", schema.fieldNames()) + ")");
        }
        DataType t = schema.apply(f).dataType();
        if (!t.equals(SQLDataTypes.VectorType())) {
            throw new IllegalArgumentException("features column '" + f + "' is " + t.simpleString() + ": it must be a vector column (VectorAssembler makes one)");
        }
        StructType out = schema;
        for (StructField add : outputFields()) {
            if (Arrays.asList(schema.fieldNames()).contains(add.name())) {
                throw new IllegalArgumentException("the DataFrame already has a column '" + add.name() + "': choose another output column name");
            }
            out = out.add(add);
        }
        return out;
    }

    /** Appends the prediction columns; each partition opens the model's engine and predicts in chunks. */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        int column = dataset.schema().fieldIndex(getOrDefault(featuresCol));
        byte[] model = ModelFile.toBytes(mlp);
        String engineName = getOrDefault(engine);
        int threads = (Integer) getOrDefault(engineThreads);
        RowOutputs outputs = rowOutputs();
        String featuresName = getOrDefault(featuresCol);
        MapPartitionsFunction<Row, Row> predict = rows -> new Predictions(rows, column, featuresName, model, engineName, threads, outputs);
        return dataset.toDF().mapPartitions(predict, Encoders.row(out));
    }

    @Override
    public MLWriter write() {
        return new ModelIo.Writer(this);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(uid=" + uid + ", " + mlp + ")";
    }
}
