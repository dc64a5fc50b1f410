package dev.ferry.switchover.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.transforms.TableId;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QualifiedNamesTest {
    private static final Map<TableId, TableId> CARS = Map.of(new TableId("public", "cars"),
            new TableId("ferry_shadow", "cars"), new TableId("My Schema", "Odd \"Name\""),
            new TableId("ferry_shadow", "Odd \"Name\""));

    @Test
    void relationsAreRepointedWhereverTheyAppear() {
        assertEquals(" SELECT cars.id, d.name\n   FROM (\"ferry_shadow\".\"cars\"\n     JOIN public.drivers d ON "
                + "((d.car_id = cars.id)))", QualifiedNames.map(" SELECT cars.id, d.name\n   FROM (public.cars\n"
                + "     JOIN public.drivers d ON ((d.car_id = cars.id)))", CARS));
        assertEquals("SELECT x FROM \"ferry_shadow\".\"Odd \"\"Name\"\"\" o, \"ferry_shadow\".\"cars\"",
                QualifiedNames.map("SELECT x FROM \"My Schema\".\"Odd \"\"Name\"\"\" o, public.cars", CARS));
        assertEquals("CREATE UNIQUE INDEX i ON \"ferry_shadow\".\"cars\" USING btree (id)",
                QualifiedNames.map("CREATE UNIQUE INDEX i ON public.cars USING btree (id)", CARS));
        assertEquals("SELECT 1 FROM \"ferry_shadow\".\"cars\"", QualifiedNames.map("SELECT 1 FROM PUBLIC.CARS", CARS),
                "unquoted names fold to lower case");
    }

    @Test
    void literalsQuotedNamesFunctionsTypesAndLongerNamesAreLeftAlone() {
        for (String sql : new String[] {
            "SELECT 'public.cars' AS t",
            "SELECT E'it\\'s public.cars' AS t",
            "SELECT $q$ public.cars $q$ AS t",
            "SELECT \"public.cars\" FROM t",
            "SELECT public.cars(1)",
            "SELECT x::public.cars FROM t",
            "SELECT CAST(x AS public.cars) FROM t",
            "SELECT db.public.cars.id FROM t",
            "SELECT 1 -- public.cars\n",
            "SELECT 1 /* public.cars /* nested */ public.cars */",
            "SELECT public.carsx, xpublic.cars FROM t",
        }) {
            assertEquals(sql, QualifiedNames.map(sql, CARS));
        }
    }
}
