package delta4j.cli.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a source's size says about its rows before it is read. */
class DataSourcesTest {

    @TempDir
    Path tmp;

    @Test
    void aCsvFileHoldsAtMostOneRowPerTwoCharactersAFeature() throws IOException {
        Path csv = tmp.resolve("x.csv");
        Files.writeString(csv, "a,b,c\n1,2,3\n4,5,6\n7,8,9\n");
        long most = DataSources.mostRows(csv.toString(), 3);
        assertEquals(Files.size(csv) / 6, most);
        assertTrue(most >= 3, "a bound, never below the rows there are: " + most);
    }

    @Test
    void idxDataAndUnreadableSourcesAreNotBounded() throws IOException {
        IdxTestFiles.folder(tmp, 20, 10, 4, 4, 3, false);
        assertEquals(Long.MAX_VALUE, DataSources.mostRows(tmp.toString(), 16));
        assertEquals(Long.MAX_VALUE, DataSources.mostRows("fashion-mnist", 784));
        assertEquals(Long.MAX_VALUE, DataSources.mostRows(tmp.resolve("missing.csv").toString(), 3));
    }
}
