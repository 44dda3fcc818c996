package delta4j.spark;

import org.apache.spark.sql.SparkSession;

/**
 * One Spark session for every test class of the module: starting Spark costs seconds, so the test JVM starts it once
 * and stops it at exit.
 *
 * <p>The normal test run uses {@code local[2]}: driver and both tasks in the test JVM. The {@code spark-cluster} profile
 * sets {@value #MASTER} to {@code local-cluster[2,2,1024]}: a Spark standalone master and two workers in the test JVM,
 * each worker launching its executor as a JVM of its own with two task slots (Spark spreads a barrier stage of two tasks
 * over both executors, and one of four puts two in each: tasks in one JVM exchange in memory, across JVMs over the
 * transport). A worker builds the executor's command from a Spark home: the test JVM's class
 * path stands in for a Spark distribution's {@code jars/} (spark.executor.extraClassPath), and the profile points
 * {@code SPARK_HOME} at a home whose {@code jars/} is empty (src/test/resources/spark-home, copied into target/) and
 * sets {@code SPARK_SCALA_VERSION}, which the launcher needs when the home is not a Spark build.
 */
final class LocalSpark {

    /** System property: the Spark master URL of the tests ({@code local[2]} when unset). */
    static final String MASTER = "delta4j.spark.test.master";
    /** System property: the JVM options of an executor JVM (the delta4j and Spark flags the test JVM runs with). */
    static final String EXECUTOR_JVM_ARGS = "delta4j.spark.test.executorJvmArgs";

    private static SparkSession session;

    private LocalSpark() {
    }

    /** {@return whether the tests run on separate executor JVMs} */
    static boolean multiJvm() {
        return master().startsWith("local-cluster");
    }

    private static String master() {
        return System.getProperty(MASTER, "local[2]");
    }

    /**
     * Runs {@code fit} with the job's exchange set ({@link AllReduce#EXCHANGE_PROPERTY}: {@code transport} makes tasks that
     * share a JVM exchange over the transport; null leaves the default), and unsets it afterwards.
     */
    static <T> T withExchange(String exchange, java.util.function.Supplier<T> fit) {
        var sc = get().sparkContext();
        sc.setLocalProperty(AllReduce.EXCHANGE_PROPERTY, exchange);
        try {
            return fit.get();
        } finally {
            sc.setLocalProperty(AllReduce.EXCHANGE_PROPERTY, null);
        }
    }

    static synchronized SparkSession get() {
        if (session == null) {
            SparkSession.Builder b = SparkSession.builder()
                    .master(master())
                    .appName("delta4j-spark-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1");
            if (multiJvm()) {
                // surefire runs the tests from a manifest-only jar; it names the real class path in this property.
                String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
                b.config("spark.executor.extraClassPath", classPath)
                        .config("spark.executor.extraJavaOptions", System.getProperty(EXECUTOR_JVM_ARGS, ""))
                        .config("spark.executor.memory", "640m")
                        // A barrier stage retried after a lost executor waits for a new executor's slot: check every
                        // second instead of every 15.
                        .config("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "1s");
            }
            session = b.getOrCreate();
            session.sparkContext().setLogLevel("WARN");
            Runtime.getRuntime().addShutdownHook(new Thread(session::stop));
        }
        return session;
    }
}
