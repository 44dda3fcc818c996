package delta4j.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import scala.Function1;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

import java.io.Serializable;
import java.util.Iterator;

/**
 * Spark's barrier execution mode for Java: {@code RDD.barrier()} has no Java wrapper, so this adapts a
 * Java partition function to the Scala one. All tasks of a barrier stage start together, and a failed
 * task restarts the whole stage, which is what an all-reduce between tasks needs.
 */
final class Barrier {

    private Barrier() {
    }

    /** {@code rdd.barrier().mapPartitions(f)}. */
    static <T, R> JavaRDD<R> mapPartitions(JavaRDD<T> rdd, FlatMapFunction<Iterator<T>, R> f, Class<R> type) {
        ClassTag<R> tag = ClassTag$.MODULE$.apply(type);
        Function1<scala.collection.Iterator<T>, scala.collection.Iterator<R>> g = new PartitionFunction<>(f);
        return JavaRDD.fromRDD(rdd.rdd().barrier().mapPartitions(g, false, tag), tag);
    }

    private static final class PartitionFunction<T, R> extends scala.runtime.AbstractFunction1<scala.collection.Iterator<T>, scala.collection.Iterator<R>>
            implements Serializable {
        private static final long serialVersionUID = 1L;
        private final FlatMapFunction<Iterator<T>, R> f;

        PartitionFunction(FlatMapFunction<Iterator<T>, R> f) {
            this.f = f;
        }

        @Override
        public scala.collection.Iterator<R> apply(scala.collection.Iterator<T> in) {
            try {
                return CollectionConverters.asScala(f.call(CollectionConverters.asJava(in)));
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }
    }
}
