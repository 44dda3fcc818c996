package delta4j.spark;

import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Spark itself starts and runs a barrier stage on this JDK with the module's JVM flags. */
class SparkRuntimeTest {

    @Test
    void barrierStageGathersFromEveryTask() {
        var jsc = JavaSparkContext.fromSparkContext(LocalSpark.get().sparkContext());
        JavaRDD<Integer> rdd = jsc.parallelize(List.of(1, 2, 3, 4), 2);
        List<String> out = Barrier.mapPartitions(rdd, it -> {
            int sum = 0;
            while (it.hasNext()) {
                sum += it.next();
            }
            String[] all = BarrierTaskContext.get().allGather(Integer.toString(sum));
            return List.of(String.join(",", all)).iterator();
        }, String.class).collect();
        assertEquals(List.of("3,7", "3,7"), out);
    }
}
