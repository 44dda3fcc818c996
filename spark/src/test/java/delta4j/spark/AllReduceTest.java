package delta4j.spark;

import org.apache.spark.BarrierTaskInfo;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tasks of a stage skip Spark's rendezvous exactly when every task runs on one executor. */
class AllReduceTest {

    private static BarrierTaskInfo[] at(String... addresses) {
        BarrierTaskInfo[] infos = new BarrierTaskInfo[addresses.length];
        for (int i = 0; i < addresses.length; i++) {
            infos[i] = new BarrierTaskInfo(addresses[i]);
        }
        return infos;
    }

    @Test
    void oneExecutorIsEveryTaskAtOneAddress() {
        assertTrue(AllReduce.oneExecutor(at("10.0.0.5:41233")));
        assertTrue(AllReduce.oneExecutor(at("10.0.0.5:41233", "10.0.0.5:41233", "10.0.0.5:41233")));
        assertFalse(AllReduce.oneExecutor(at("10.0.0.5:41233", "10.0.0.5:41234")), "two executor JVMs on one host");
        assertFalse(AllReduce.oneExecutor(at("10.0.0.5:41233", "10.0.0.5:41233", "10.0.0.6:41233")));
        assertFalse(AllReduce.oneExecutor(at(null, null)), "addresses not known");
    }
}
