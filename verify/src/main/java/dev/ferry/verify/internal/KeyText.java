package dev.ferry.verify.internal;

import dev.ferry.transforms.Identifiers;
import java.util.List;

/** Writes a row's key for people: {@code id=42}, {@code region=7, name='O''Brien'}. */
final class KeyText {
    private KeyText() {}

    static String of(List<String> names, List<String> values) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < names.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            String n = names.get(i);
            String v = values.get(i);
            sb.append(n.matches("[a-z_][a-z0-9_]*") ? n : Identifiers.quote(n)).append('=');
            sb.append(v == null ? "NULL" : v.matches("[A-Za-z0-9_.:+-]+") ? v : Identifiers.literal(v));
        }
        return sb.toString();
    }
}
