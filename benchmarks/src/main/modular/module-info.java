/**
 * delta4j's benchmark suite: JMH benchmarks of the engines (sgemm, forward, backward, training step,
 * Fashion-MNIST epoch), the suite runner that plans and launches them, and the report generator that
 * turns JMH's and the peers' JSON into docs/BENCHMARKS.md with charts.
 */
module delta4j.benchmarks {
    requires delta4j.api;
    requires jmh.core;
    requires jdk.incubator.vector;
    requires dev.ludovic.netlib.blas;
    requires org.jfree.jfreechart;
    requires java.desktop;
    requires com.fasterxml.jackson.databind;

    exports delta4j.benchmarks;
    exports delta4j.benchmarks.report;
}
