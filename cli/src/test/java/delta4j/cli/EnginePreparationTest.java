package delta4j.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

import java.lang.reflect.Field;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Which engine the command line prepares in the background before picocli parses it: the one {@code --engine} names,
 * "auto" by default, for the commands that compute, and none for the others or for a help request.
 */
class EnginePreparationTest {

    @Test
    void readsTheEngineOfACommandThatComputes() {
        assertEquals("cpu", Main.engineToPrepare(new String[] {"train", "--data", "d.csv", "--engine", "cpu", "--epochs", "2"}));
        assertEquals("opencl", Main.engineToPrepare(new String[] {"eval", "--model", "m.d4j", "--engine=opencl"}));
        assertEquals("auto", Main.engineToPrepare(new String[] {"predict", "--model", "m.d4j", "--data", "d.csv"}));
        assertEquals("cpu", Main.engineToPrepare(new String[] {"bench", "gemm", "--engine", "cpu"}));
        assertEquals("auto", Main.engineToPrepare(new String[] {"demo"}));
        assertEquals("auto", Main.engineToPrepare(new String[] {"train", "--engine"}), "a missing value is picocli's to report");
    }

    @Test
    void preparesNothingForTheOtherCommandsOrForHelp() {
        assertNull(Main.engineToPrepare(new String[0]));
        assertNull(Main.engineToPrepare(new String[] {"--version"}));
        assertNull(Main.engineToPrepare(new String[] {"devices"}));
        assertNull(Main.engineToPrepare(new String[] {"convert", "--data", "d.csv", "--out", "d.d4d"}));
        assertNull(Main.engineToPrepare(new String[] {"help", "train"}));
        assertNull(Main.engineToPrepare(new String[] {"train", "--help"}));
        assertNull(Main.engineToPrepare(new String[] {"trian", "--engine", "cpu"}), "a mistyped command");
    }

    /** The list of computing commands is the commands with engine options, themselves or in a subcommand. */
    @Test
    void theComputingCommandsAreThoseWithEngineOptions() {
        for (Class<?> c : Main.COMMANDS) {
            assertEquals(hasEngineOptions(c), Main.COMPUTING.contains(c), c.getSimpleName());
        }
    }

    private static boolean hasEngineOptions(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            for (Field f : k.getDeclaredFields()) {
                if (f.getType() == EngineOptions.class) {
                    return true;
                }
            }
        }
        Command cmd = c.getAnnotation(Command.class);
        return cmd != null && Arrays.stream(cmd.subcommands()).anyMatch(EnginePreparationTest::hasEngineOptions);
    }
}
