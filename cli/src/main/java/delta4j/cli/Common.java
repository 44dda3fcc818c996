package delta4j.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;

/** What every command has: --verbose, --help and its output streams. */
abstract class Common {

    @Spec
    CommandSpec spec;

    @Option(names = "--verbose", order = 1000, description = "Print stack traces with errors.")
    boolean verbose;

    @Option(names = {"-h", "--help"}, order = 1001, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
