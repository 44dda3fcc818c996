package delta4j.spark;

import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.Engines;
import delta4j.model.Mlp;
import org.apache.spark.TaskContext;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * One partition's rows with the model's outputs appended: rows are read and predicted {@value #CHUNK} at a
 * time on an engine opened on first use and closed when the rows run out (or the task ends).
 */
final class Predictions implements Iterator<Row> {

    static final int CHUNK = 1024;

    private final Iterator<Row> in;
    private final int column;
    private final String columnName;
    private final byte[] model;
    private final String engineName;
    private final int threads;
    private final MlpModel.RowOutputs outputs;
    private final List<Row> ready = new ArrayList<>();
    private int next;
    private Engine engine;
    private Mlp mlp;

    Predictions(Iterator<Row> in, int column, String columnName, byte[] model, String engineName, int threads, MlpModel.RowOutputs outputs) {
        this.in = in;
        this.column = column;
        this.columnName = columnName;
        this.model = model;
        this.engineName = engineName;
        this.threads = threads;
        this.outputs = outputs;
    }

    @Override
    public boolean hasNext() {
        if (next < ready.size()) {
            return true;
        }
        ready.clear();
        next = 0;
        if (!in.hasNext()) {
            close();
            return false;
        }
        fill();
        return true;
    }

    @Override
    public Row next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return ready.get(next++);
    }

    private void fill() {
        if (engine == null) {
            TaskContext ctx = TaskContext.get();
            mlp = ModelIo.read(model, "the model");
            engine = Engines.create(engineName, new EngineConfig(threads > 0 ? threads : ctx == null ? 1 : ctx.cpus(),
                    Devices.forTask(engineName, ctx)));
            if (ctx != null) {
                ctx.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) c -> close());
            }
        }
        List<Row> rows = new ArrayList<>(CHUNK);
        while (rows.size() < CHUNK && in.hasNext()) {
            rows.add(in.next());
        }
        int inputs = mlp.inputs(), k = mlp.outputs();
        float[] x = new float[rows.size() * inputs];
        for (int i = 0; i < rows.size(); i++) {
            Object f = rows.get(i).get(column);
            if (!(f instanceof Vector v) || v.size() != inputs) {
                throw new IllegalArgumentException("features column '" + columnName + "' holds " + (f instanceof Vector v ? v.size() + " values" : f)
                        + " in a row; the model has " + inputs + " inputs");
            }
            for (int j = 0; j < inputs; j++) {
                x[i * inputs + j] = Shard.finite((float) v.apply(j), columnName);
            }
        }
        float[] y = mlp.predict(engine, x);
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            Object[] extra = outputs.of(y, i * k, k);
            Object[] values = new Object[r.length() + extra.length];
            for (int j = 0; j < r.length(); j++) {
                values[j] = r.get(j);
            }
            System.arraycopy(extra, 0, values, r.length(), extra.length);
            ready.add(RowFactory.create(values));
        }
    }

    private void close() {
        if (engine != null) {
            engine.close();
            engine = null;
        }
    }
}
