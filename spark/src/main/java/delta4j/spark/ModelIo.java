package delta4j.spark;

import delta4j.io.ModelFile;
import delta4j.model.Mlp;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsReader$;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.BiFunction;

/**
 * Spark ML persistence of the models, in Spark's layout: {@code PATH/metadata} is Spark's params metadata
 * (class, uid, params; what {@code Pipeline.load} reads), and {@code PATH/data/model.d4j} is the network as
 * a delta4j model file (docs/MODEL_FORMAT.md), written through Hadoop's FileSystem so any Hadoop-compatible
 * path works, under a temporary name first and then renamed.
 */
final class ModelIo {

    /** The model file inside a saved model's directory. */
    static final String MODEL_FILE = "data/model.d4j";

    private ModelIo() {
    }

    /** A model file's bytes as a network; a damaged file fails with the format's message naming {@code name}. */
    static Mlp read(byte[] bytes, String name) {
        try {
            return ModelFile.read(bytes, name);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e.getMessage(), e);
        }
    }

    static final class Writer extends MLWriter {
        private final MlpModel<?> model;

        Writer(MlpModel<?> model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter$.MODULE$.saveMetadata(model, path, sparkSession());
            byte[] bytes = ModelFile.toBytes(model.mlp);
            Configuration conf = sparkSession().sparkContext().hadoopConfiguration();
            Path target = new Path(path, MODEL_FILE);
            // Hadoop's FileSystem rather than delta4j.io.AtomicFiles: the path may be HDFS or an object store,
            // where java.nio renames and fsync do not reach; exportModel writes local files through AtomicFiles.
            Path tmp = new Path(path, MODEL_FILE + ".tmp");
            try {
                FileSystem fs = target.getFileSystem(conf);
                try (FSDataOutputStream out = fs.create(tmp, true)) {
                    out.write(bytes);
                }
                if (!fs.rename(tmp, target)) {
                    throw new IOException("could not rename " + tmp + " to " + target);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("could not write the model file " + target + ": " + e.getMessage(), e);
            }
        }
    }

    static final class Reader<M extends MlpModel<M>> extends MLReader<M> {
        private final Class<M> type;
        private final BiFunction<String, Mlp, M> factory;

        Reader(Class<M> type, BiFunction<String, Mlp, M> factory) {
            this.type = type;
            this.factory = factory;
        }

        @Override
        public M load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader$.MODULE$.loadMetadata(path, sparkSession(), type.getName());
            Path file = new Path(path, MODEL_FILE);
            byte[] bytes;
            try {
                FileSystem fs = file.getFileSystem(sparkSession().sparkContext().hadoopConfiguration());
                try (InputStream in = fs.open(file)) {
                    ByteArrayOutputStream buf = new ByteArrayOutputStream();
                    in.transferTo(buf);
                    bytes = buf.toByteArray();
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("could not read the model file " + file + ": " + e.getMessage(), e);
            }
            M model = factory.apply(metadata.uid(), read(bytes, file.toString()));
            metadata.getAndSetParams(model, scala.Option.empty());
            return model;
        }
    }
}
