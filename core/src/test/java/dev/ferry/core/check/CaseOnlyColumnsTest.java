package dev.ferry.core.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.transforms.Column;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CaseOnlyColumnsTest {

    @Test
    void namesTheTableAndBothColumnsOnlyWhenTwoNamesDifferByCaseAlone() {
        TableSchema bad = new TableSchema(new TableId("public", "people"),
                List.of(Column.of("id", "integer"), Column.of("Name", "text"), Column.of("name", "text")), List.of("id"));
        String m = CaseOnlyColumns.problem(bad).orElseThrow();
        assertTrue(m.startsWith("table public.people has columns \"Name\" and \"name\" whose names differ only by case"), m);
        TableSchema fine = new TableSchema(new TableId("public", "people"),
                List.of(Column.of("id", "integer"), Column.of("Name", "text"), Column.of("name2", "text")), List.of("id"));
        assertEquals(Optional.empty(), CaseOnlyColumns.problem(fine));
    }
}
