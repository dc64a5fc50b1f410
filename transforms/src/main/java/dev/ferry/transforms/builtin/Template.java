package dev.ferry.transforms.builtin;

import dev.ferry.transforms.Row;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Text with column placeholders: {@code '{first} {last}'}. A NULL value renders as empty text; write
 * {@code {{} and {@code }}} for literal braces. Names inside braces are exact column names (no case folding).
 */
public final class Template implements Formula {
    private final List<String> literals = new ArrayList<>(); // literal i comes before placeholder i
    private final List<String> placeholders = new ArrayList<>();
    private final Set<String> columns;

    private Template(String text) {
        StringBuilder lit = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '{' && i + 1 < text.length() && text.charAt(i + 1) == '{') {
                lit.append('{');
                i += 2;
            } else if (c == '}' && i + 1 < text.length() && text.charAt(i + 1) == '}') {
                lit.append('}');
                i += 2;
            } else if (c == '{') {
                int end = text.indexOf('}', i);
                if (end < 0 || end == i + 1) {
                    throw new IllegalArgumentException("template " + text + " has an unclosed or empty { at position "
                            + (i + 1) + "; write {column}, or {{ for a brace");
                }
                literals.add(lit.toString());
                lit.setLength(0);
                placeholders.add(text.substring(i + 1, end));
                i = end + 1;
            } else if (c == '}') {
                throw new IllegalArgumentException("template " + text + " has a lone } at position " + (i + 1)
                        + "; write }} for a brace");
            } else {
                lit.append(c);
                i++;
            }
        }
        literals.add(lit.toString());
        this.columns = Collections.unmodifiableSet(new LinkedHashSet<>(placeholders));
    }

    public static Template parse(String text) {
        return new Template(text);
    }

    @Override
    public Set<String> columns() {
        return columns;
    }

    @Override
    public String evaluateText(Row row) {
        StringBuilder sb = new StringBuilder(literals.get(0));
        for (int i = 0; i < placeholders.size(); i++) {
            String v = row.get(placeholders.get(i));
            if (v != null) {
                sb.append(v);
            }
            sb.append(literals.get(i + 1));
        }
        return sb.toString();
    }
}
