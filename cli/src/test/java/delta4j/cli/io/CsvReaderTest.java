package delta4j.cli.io;

import delta4j.data.Labels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CsvReaderTest {

    @TempDir
    Path dir;

    private Path file(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    private LoadedData regression(String content, int k) throws IOException {
        return CsvReader.read(file("d.csv", content), CsvReader.Options.regression(k));
    }

    private DataFileException fails(String content, CsvReader.Options o) throws IOException {
        Path p = file("bad.csv", content);
        DataFileException e = assertThrows(DataFileException.class, () -> CsvReader.read(p, o));
        assertTrue(e.getMessage().startsWith(p.toString()), () -> "the message names the file: " + e.getMessage());
        return e;
    }

    private void at(DataFileException e, long line, int column) {
        assertEquals(line, e.line(), e.getMessage());
        assertEquals(column, e.column(), e.getMessage());
        assertTrue(e.getMessage().contains("line " + line), e.getMessage());
        if (column > 0) {
            assertTrue(e.getMessage().contains("column " + column), e.getMessage());
        }
    }

    @Test
    void readsFeaturesAndTargetsWithoutHeader() throws IOException {
        LoadedData d = regression("1,2,3\n4,5,6\n", 1);
        assertEquals(2, d.rows());
        assertEquals(2, d.features());
        assertEquals(1, d.targets());
        assertArrayEquals(new float[] {1, 2, 4, 5}, d.x());
        assertArrayEquals(new float[] {3, 6}, d.y());
        assertNull(d.labels());
        assertTrue(d.standardize());
    }

    @Test
    void detectsHeaderRow() throws IOException {
        LoadedData d = regression("a,b,y\n1,2,3\n", 1);
        assertEquals(1, d.rows());
        assertArrayEquals(new float[] {1, 2}, d.x());
    }

    @Test
    void detectsHeaderWhenOnlyTheTargetNameIsText() throws IOException {
        LoadedData d = regression("1,2,y\n1,2,3\n", 1);
        assertEquals(1, d.rows());
    }

    @Test
    void lastKColumnsAreTargets() throws IOException {
        LoadedData d = regression("1,2,3,4\n", 2);
        assertEquals(2, d.features());
        assertArrayEquals(new float[] {3, 4}, d.y());
    }

    @Test
    void semicolonsWithDecimalCommas() throws IOException {
        LoadedData d = regression("x;y;t\n1,5;-2;0,25\n3;4e1;+.5\n", 1);
        assertArrayEquals(new float[] {1.5f, -2, 3, 40}, d.x());
        assertArrayEquals(new float[] {0.25f, 0.5f}, d.y());
    }

    @Test
    void quotedCellsBlankLinesAndByteOrderMark() throws IOException {
        LoadedData d = CsvReader.read(file("q.csv", "\uFEFFx,\"label, with comma\"\n\n1,\"a \"\"b\"\"\"\n\n2,c\n"),
                CsvReader.Options.classification());
        assertEquals(2, d.rows());
        assertEquals(List.of("a \"b\"", "c"), d.labels().names());
    }

    @Test
    void stringLabelsAreOneHotEncodedInSortedOrder() throws IOException {
        LoadedData d = CsvReader.read(file("c.csv", "f1,f2,class\n0,1,dog\n1,0,cat\n2,2,dog\n"), CsvReader.Options.classification());
        assertEquals(List.of("cat", "dog"), d.labels().names());
        assertEquals(2, d.targets());
        assertArrayEquals(new float[] {0, 1, 1, 0, 0, 1}, d.y());
    }

    @Test
    void integerLabelsSortNumerically() throws IOException {
        LoadedData d = CsvReader.read(file("c.csv", "0,10\n1,2\n2,9\n"), CsvReader.Options.classification());
        assertEquals(List.of("2", "9", "10"), d.labels().names());
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 0, 1, 0}, d.y());
    }

    @Test
    void knownLabelsFromAModelAreKeptAndUnknownOnesRejected() throws IOException {
        Labels known = new Labels(List.of("dog", "cat"));
        CsvReader.Options o = new CsvReader.Options(CsvReader.Task.CLASSIFICATION, 1, known, 1, CsvReader.Targets.REQUIRED);
        LoadedData d = CsvReader.read(file("c.csv", "1,cat\n2,dog\n"), o);
        assertArrayEquals(new float[] {0, 1, 1, 0}, d.y());
        at(fails("1,cat\n2,bird\n", o), 2, 2);
    }

    @Test
    void raggedRowNamesLineAndColumn() throws IOException {
        DataFileException e = fails("a,b,y\n1,2,3\n4,5\n", CsvReader.Options.regression(1));
        at(e, 3, 3);
        assertTrue(e.getMessage().contains("ragged"), e.getMessage());
        at(fails("1,2,3\n4,5,6,7\n", CsvReader.Options.regression(1)), 2, 4);
    }

    @Test
    void nonNumericCell() throws IOException {
        DataFileException e = fails("a,b,y\n1,2,3\n4,five,6\n", CsvReader.Options.regression(1));
        at(e, 3, 2);
        assertTrue(e.getMessage().contains("'five' is not a number"), e.getMessage());
        // Java's own float syntax beyond plain decimals is not data.
        at(fails("1,2,3\n1f,2,3\n", CsvReader.Options.regression(1)), 2, 1);
        at(fails("1,2,3\n0x10,2,3\n", CsvReader.Options.regression(1)), 2, 1);
    }

    @Test
    void textTargetInRegressionSuggestsClassification() throws IOException {
        DataFileException e = fails("1,2,3\n4,5,cat\n", CsvReader.Options.regression(1));
        at(e, 2, 3);
        assertTrue(e.getMessage().contains("--task classification"), e.getMessage());
    }

    @Test
    void nanAndInfinityAreRejected() throws IOException {
        at(fails("1,2,3\n4,NaN,6\n", CsvReader.Options.regression(1)), 2, 2);
        at(fails("1,2,3\n4,5,-Infinity\n", CsvReader.Options.regression(1)), 2, 3);
        at(fails("1,2,3\ninf,5,6\n", CsvReader.Options.regression(1)), 2, 1);
        DataFileException e = fails("1,2,3\n4,5,1e999\n", CsvReader.Options.regression(1));
        at(e, 2, 3);
        assertTrue(e.getMessage().contains("float32 range"), e.getMessage());
    }

    @Test
    void emptyCellIsRejected() throws IOException {
        at(fails("1,2,3\n4,,6\n", CsvReader.Options.regression(1)), 2, 2);
    }

    @Test
    void missingTargetColumn() throws IOException {
        DataFileException e = fails("1,2\n3,4\n", CsvReader.Options.regression(2));
        assertTrue(e.getMessage().contains("missing target column"), e.getMessage());
        assertEquals(1, e.line());
        e = fails("5\n6\n", CsvReader.Options.regression(1));
        assertTrue(e.getMessage().contains("missing target column"), e.getMessage());
        // A model with 2 inputs needs 2 features and then the target.
        CsvReader.Options model = new CsvReader.Options(CsvReader.Task.REGRESSION, 1, null, 2, CsvReader.Targets.REQUIRED);
        e = fails("1,2\n3,4\n", model);
        assertTrue(e.getMessage().contains("missing target column"), e.getMessage());
    }

    @Test
    void featureCountThatDoesNotMatchTheModel() throws IOException {
        CsvReader.Options model = new CsvReader.Options(CsvReader.Task.REGRESSION, 1, null, 4, CsvReader.Targets.REQUIRED);
        DataFileException e = fails("1,2,3\n", model);
        assertTrue(e.getMessage().contains("does not match the model"), e.getMessage());
    }

    @Test
    void targetsMayBeAbsentOrIgnoredForPrediction() throws IOException {
        CsvReader.Options predict = new CsvReader.Options(CsvReader.Task.CLASSIFICATION, 1, new Labels(List.of("a", "b")), 2,
                CsvReader.Targets.IGNORED);
        LoadedData without = CsvReader.read(file("p.csv", "1,2\n3,4\n"), predict);
        assertEquals(2, without.rows());
        assertNull(without.y());
        LoadedData with = CsvReader.read(file("p2.csv", "1,2,never-seen\n3,4,a\n"), predict);
        assertArrayEquals(new float[] {1, 2, 3, 4}, with.x());
        assertNull(with.y());
    }

    @Test
    void zeroRows() throws IOException {
        DataFileException empty = fails("", CsvReader.Options.regression(1));
        assertTrue(empty.getMessage().contains("no data rows"), empty.getMessage());
        DataFileException blank = fails("\n  \n", CsvReader.Options.regression(1));
        assertTrue(blank.getMessage().contains("no data rows"), blank.getMessage());
        DataFileException headerOnly = fails("a,b,y\n", CsvReader.Options.regression(1));
        assertTrue(headerOnly.getMessage().contains("zero samples"), headerOnly.getMessage());
    }

    @Test
    void unterminatedQuote() throws IOException {
        at(fails("1,2,3\n4,\"5,6\n", CsvReader.Options.regression(1)), 2, 2);
    }

    @Test
    void classificationTakesExactlyOneLabelColumn() {
        assertThrows(IllegalArgumentException.class,
                () -> new CsvReader.Options(CsvReader.Task.CLASSIFICATION, 2, null, 0, CsvReader.Targets.REQUIRED));
    }

    private static CsvReader.Options multiLabel(int k) {
        return new CsvReader.Options(CsvReader.Task.MULTILABEL, k, null, 0, CsvReader.Targets.REQUIRED);
    }

    @Test
    void multiLabelReadsKZeroOneColumnsNamedByTheHeader() throws IOException {
        LoadedData d = CsvReader.read(file("m.csv", "a,b,shoe,bag\n0.5,1,1,0\n2,3,1,1\n"), multiLabel(2));
        assertEquals(2, d.features());
        assertEquals(2, d.targets());
        assertArrayEquals(new float[] {1, 0, 1, 1}, d.y());
        assertEquals(List.of("shoe", "bag"), d.labels().names());
        assertTrue(d.multiLabel());
        assertTrue(!d.isClassification());
        assertTrue(d.describe().endsWith("2 labels"), d.describe());
    }

    @Test
    void multiLabelWithoutHeaderOrWithRepeatedNamesNumbersItsLabels() throws IOException {
        LoadedData d = CsvReader.read(file("m.csv", "0.5,1,1,0\n2,3,0,0\n"), multiLabel(2));
        assertEquals(List.of("label_1", "label_2"), d.labels().names());
        LoadedData twice = CsvReader.read(file("t.csv", "a,b,y,y\n0.5,1,1,0\n"), multiLabel(2));
        assertEquals(List.of("label_1", "label_2"), twice.labels().names());
        assertEquals(1, twice.notes().size(), twice.notes()::toString);
    }

    @Test
    void multiLabelHeaderWithNumericFeaturesIsDetectedByItsTargetCells() throws IOException {
        // The feature cells of the header are numbers: the label names make it a header.
        LoadedData d = CsvReader.read(file("m.csv", "1,2,up,down\n0.5,1,1,0\n"), multiLabel(2));
        assertEquals(1, d.rows());
        assertEquals(List.of("up", "down"), d.labels().names());
    }

    @Test
    void multiLabelRefusesATargetThatIsNotZeroOrOne() throws IOException {
        DataFileException e = fails("a,b,x,y\n0,1,1,0\n2,3,0,2\n", multiLabel(2));
        at(e, 3, 4);
        assertTrue(e.getMessage().contains("multi-label target '2' is not 0 or 1"), e.getMessage());
        at(fails("0,1,1,0\n2,3,0.5,1\n", multiLabel(2)), 2, 3);
        at(fails("0,1,1,0\n2,3,-1,1\n", multiLabel(2)), 2, 3);
    }
}
