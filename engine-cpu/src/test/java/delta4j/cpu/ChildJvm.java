package delta4j.cpu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The command line of a child JVM that runs a test class's main on this JVM's class path, for tests that need a fresh JVM. */
final class ChildJvm {

    private ChildJvm() {
    }

    /**
     * {@code java OPTIONS --add-modules jdk.incubator.vector [-XX:UseAVX=N] -cp CLASSPATH MAIN}: this JVM's java, and its
     * vector width (the build's avx2 run passes -XX:UseAVX=2), on which the kernels and their lane sums depend.
     */
    static List<String> command(Class<?> main, String... options) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(options));
        cmd.addAll(List.of("--add-modules", "jdk.incubator.vector"));
        Arrays.stream(ProcessHandle.current().info().arguments().orElse(new String[0]))
                .filter(a -> a.startsWith("-XX:UseAVX=")).forEach(cmd::add);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        return cmd;
    }
}
