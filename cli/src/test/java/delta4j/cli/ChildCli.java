package delta4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the command line in a child JVM, its standard output and error together in a log file. */
final class ChildCli {

    private ChildCli() {
    }

    /** The java command line for {@code delta4j ARGS}, with extra JVM options. */
    static List<String> command(List<String> jvmOptions, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-modules=jdk.incubator.vector");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Djava.awt.headless=true");
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(args);
        return cmd;
    }

    static Process start(List<String> command, Path log) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Waits until the log holds {@code fragment}; fails when the process ends first or 60 s pass. */
    static void awaitOutput(Process p, Path log, String fragment) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (read(log).contains(fragment)) {
                return;
            }
            if (!p.isAlive()) {
                throw new AssertionError("the child ended before printing '" + fragment + "':\n" + read(log));
            }
            Thread.sleep(5);
        }
        p.destroyForcibly();
        throw new AssertionError("no '" + fragment + "' in 60 s:\n" + read(log));
    }

    static int exit(Process p, Path log) throws InterruptedException {
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the child did not end:\n" + read(log));
        }
        return p.exitValue();
    }

    static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** A regression CSV: y = sin(a) + b·c, with a header. */
    static Path regressionCsv(Path dir, String name, int rows) throws IOException {
        StringBuilder sb = new StringBuilder("a,b,c,y\n");
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
        for (int i = 0; i < rows; i++) {
            double a = rnd.nextDouble(-2, 2), b = rnd.nextDouble(-1, 1), c = rnd.nextDouble(-1, 1);
            sb.append(String.format(java.util.Locale.ROOT, "%.5f,%.5f,%.5f,%.5f%n", a, b, c, Math.sin(a) + b * c));
        }
        return Files.writeString(dir.resolve(name), sb);
    }
}
