/**
 * The {@code delta4j} command line: demo, train, eval, predict, devices and bench, and the data readers
 * (CSV, IDX) it is built on. Model and checkpoint files come from engine-api ({@link delta4j.io.ModelFile}).
 * Engines are found at run time through {@link delta4j.engine.EngineProvider}; this module names none.
 */
@SuppressWarnings("requires-automatic") // JFreeChart and JLine ship without module descriptors
module delta4j.cli {
    requires transitive delta4j.api;
    requires info.picocli;
    requires org.jfree.jfreechart;
    requires java.desktop;
    requires java.management;
    requires me.tongfei.progressbar;
    requires com.fasterxml.jackson.core;
    requires ch.randelshofer.fastdoubleparser;

    exports delta4j.cli.io;
    exports delta4j.cli.report;

    // picocli fills the command objects' annotated fields by reflection.
    opens delta4j.cli to info.picocli;

    uses delta4j.engine.EngineProvider;
}
