package delta4j.cli;

import delta4j.cli.report.Words;
import delta4j.engine.Engines;
import delta4j.model.TrainingDivergedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code delta4j} command. Exit codes: 0 on success, 2 on a usage error (bad or contradictory
 * options, caught before any data is read), 1 on a runtime error (bad data, unavailable engine, diverged
 * training, I/O), 3 when the work was done but an output file could not be written (the summary names it
 * and why; a trained model is then kept in a fallback file), 130 when interrupted (Ctrl-C). Errors are
 * one line on standard error; {@code --verbose} adds the stack trace.
 */
@Command(usageHelpAutoWidth = true, name = "delta4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Train multi-layer perceptrons by backpropagation on CPU SIMD or OpenCL engines.", ""},
        footer = {"", "Start with 'delta4j demo'. Each command has --help."})
public final class Main implements Runnable {

    /** Exit codes (docs/CLI.md lists them). */
    public static final int OK = 0, RUNTIME_ERROR = 1, USAGE_ERROR = 2, NOT_WRITTEN = 3;

    /**
     * The commands under {@code delta4j}, in the order its usage lists them, each called by its own
     * {@code @Command} name.
     */
    static final List<Class<?>> COMMANDS = List.of(DemoCommand.class, TrainCommand.class, EvalCommand.class,
            PredictCommand.class, ConvertCommand.class, DevicesCommand.class, BenchCommand.class, CommandLine.HelpCommand.class);

    /** The commands that create an engine (each has {@link EngineOptions}). */
    static final List<Class<?>> COMPUTING = List.of(DemoCommand.class, TrainCommand.class, EvalCommand.class, PredictCommand.class,
            BenchCommand.class);

    /** A learning rate in the trainer's messages: after "learning rate " or "e.g. ". */
    private static final Pattern LEARNING_RATE = Pattern.compile("(learning rate |e\\.g\\. )([-+]?\\d+\\.\\d+(?:E-?\\d+)?)");

    static {
        // JFreeChart must never try to open a display.
        System.setProperty("java.awt.headless", "true");
    }

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "no command given: choose demo, train, eval, predict, convert, devices or bench");
    }

    public static void main(String[] args) {
        // Picocli builds the command line in the interpreter before any command runs; meanwhile the engine's classes
        // initialise on another core (engine-cpu/README.md, "The first epoch").
        String engine = engineToPrepare(args);
        if (engine != null) {
            Engines.prepareInBackground(engine);
        }
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * The engine a command line will create, read from its words ahead of picocli: the value of {@code --engine}, else
     * "auto" (its default), for a command that computes; null for one that does not, or that only asks for help. A hint
     * only: a wrong guess costs a background thread's class loading, never a result.
     */
    static String engineToPrepare(String[] args) {
        Class<?> c = args.length == 0 ? null : command(args[0]);
        if (c == null || !COMPUTING.contains(c)) {
            return null;
        }
        String engine = "auto";
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                return null;
            } else if (a.equals("--engine") && i + 1 < args.length) {
                engine = args[i + 1];
            } else if (a.startsWith("--engine=")) {
                engine = a.substring("--engine=".length());
            }
        }
        return engine;
    }

    /** Runs a command line with the given streams and returns the exit code (for tests and embedding). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        CommandLine cl = commandLine(args, verbose);
        cl.setOut(out);
        cl.setErr(err);
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            err.println("delta4j: out of memory: give Java more heap (e.g. DELTA4J_JAVA_OPTS=-Xmx8g ./delta4j ...) or use less data or a smaller --batch");
            return RUNTIME_ERROR;
        } catch (StackOverflowError e) {
            err.println("delta4j: internal error: stack overflow" + (verbose ? "" : " (run with --verbose for details)"));
            if (verbose) {
                e.printStackTrace(err);
            }
            return RUNTIME_ERROR;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /**
     * The configured picocli command line for {@code args}: case-insensitive enum values, one-line error handlers.
     * Picocli builds the model of every command it is given as the command line is made, by reflection over its
     * options, in the interpreter at start-up and ahead of everything the command does; a command line that starts
     * with a command's name gets that command alone, any other (none, the usage, {@code help}, a mistyped name that
     * picocli suggests names for) gets them all. The settings below reach the commands added before them.
     */
    static CommandLine commandLine(String[] args, boolean verbose) {
        CommandLine cl = new CommandLine(new Main());
        Class<?> named = args.length == 0 ? null : command(args[0]);
        boolean alone = named != null && named != CommandLine.HelpCommand.class; // help shows the others
        for (Class<?> c : alone ? List.<Class<?>>of(named) : COMMANDS) {
            cl.addSubcommand(c);
        }
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, rest) -> {
            CommandLine c = ex.getCommandLine();
            String hint = "";
            if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
                hint = "; did you mean " + String.join(" or ", u.getSuggestions()) + "?";
            }
            // An option's converter words its own message, naming the option and what to give: picocli's wrapper adds nothing.
            String message = ex.getCause() instanceof UsageException u ? u.getMessage() : ex.getMessage();
            c.getErr().println(c.getColorScheme().errorText(usageLine(oneLine(message) + hint, c)));
            return USAGE_ERROR;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            PrintWriter err = c.getErr();
            boolean usage = ex instanceof UsageException;
            err.println(c.getColorScheme().errorText(usage ? usageLine(message(ex), c) : "delta4j: " + message(ex)));
            if (verbose) {
                ex.printStackTrace(err);
            }
            return usage ? USAGE_ERROR : RUNTIME_ERROR;
        });
        return cl;
    }

    /** {@return the command called {@code name}, or null} */
    static Class<?> command(String name) {
        for (Class<?> c : COMMANDS) {
            if (c.getAnnotation(Command.class).name().equals(name)) {
                return c;
            }
        }
        return null;
    }

    /** A one-line message for an error, without the exception's class name where the message says it all. */
    static String message(Throwable e) {
        String m;
        if (e instanceof NoSuchFileException f) {
            m = f.getReason() != null ? f.getReason() : "no such file: " + f.getFile();
        } else if (e instanceof AccessDeniedException f) {
            m = "permission denied: " + f.getFile();
        } else if (e instanceof FileSystemException f && f.getReason() != null) {
            m = f.getFile() + ": " + f.getReason();
        } else if (e instanceof TrainingDivergedException d) {
            m = plainLearningRates(d.getMessage());
        } else if (e.getMessage() != null && !e.getMessage().isBlank()) {
            m = e.getMessage();
        } else {
            m = "internal error: " + e.getClass().getSimpleName() + " (run with --verbose for details)";
        }
        return oneLine(m);
    }

    /**
     * The trainer words its suggestion with float arithmetic ("e.g. 1.00000005E-4" for 0.001 / 10): learning
     * rates in a message are given as the plain decimals a user would type.
     */
    static String plainLearningRates(String message) {
        Matcher m = LEARNING_RATE.matcher(message);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1) + Words.decimal(Float.parseFloat(m.group(2)))));
        }
        return m.appendTail(sb).toString();
    }

    /** A usage error as one line: the message, then where the usage is. */
    private static String usageLine(String message, CommandLine c) {
        return "delta4j: " + message + " (try '" + c.getCommandSpec().qualifiedName() + " --help' for usage)";
    }

    static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    /** The version from the jar manifest, or "development build" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"delta4j " + (v != null ? v : "(development build)"),
                    "Java " + Runtime.version() + " on " + System.getProperty("os.name") + " " + System.getProperty("os.arch")};
        }
    }
}
