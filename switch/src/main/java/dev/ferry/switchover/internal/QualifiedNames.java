package dev.ferry.switchover.internal;

import dev.ferry.transforms.TableId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Re-points the relation names of a definition PostgreSQL deparsed with an empty {@code search_path}
 * ({@code pg_get_viewdef}, {@code pg_get_indexdef}), where every relation outside {@code pg_catalog} is written
 * {@code schema.name}. The text is read as SQL tokens (string literals, quoted identifiers, dollar quotes and comments
 * are never looked into), and a {@code schema.name} pair naming a mapped relation is replaced unless it is a function
 * ({@code name(}), a type ({@code ::} or {@code AS} before it) or part of a longer dotted name. Deparsed text has one
 * spelling per name, so this cannot miss one; what it cannot tell apart (a table alias spelled like a schema) the
 * caller catches by comparing the relations the result depends on with the ones it should.
 */
final class QualifiedNames {
    private QualifiedNames() {}

    private enum Kind { NAME, DOT, CAST, OPEN, OTHER }

    private record Token(Kind kind, int start, int end, String name) {}

    /** The text with each mapped {@code schema.name} replaced by its target, quoted. */
    static String map(String sql, Map<TableId, TableId> names) {
        List<Token> tokens = tokens(sql);
        StringBuilder out = new StringBuilder(sql.length() + 32);
        int copied = 0;
        for (int i = 0; i + 2 < tokens.size(); i++) {
            Token schema = tokens.get(i);
            Token dot = tokens.get(i + 1);
            Token name = tokens.get(i + 2);
            if (schema.kind() != Kind.NAME || dot.kind() != Kind.DOT || name.kind() != Kind.NAME) {
                continue;
            }
            TableId target = names.get(new TableId(schema.name(), name.name()));
            if (target == null || !relationAt(tokens, i)) {
                continue;
            }
            out.append(sql, copied, schema.start()).append(target.quoted());
            copied = name.end();
            i += 2;
        }
        return out.append(sql, copied, sql.length()).toString();
    }

    private static boolean relationAt(List<Token> tokens, int i) {
        Token before = i > 0 ? tokens.get(i - 1) : null;
        Token after = i + 3 < tokens.size() ? tokens.get(i + 3) : null;
        boolean typeOrLonger = before != null && (before.kind() == Kind.CAST || before.kind() == Kind.DOT
                || (before.kind() == Kind.NAME && "as".equals(before.name()) && before.end() - before.start() == 2));
        boolean functionOrLonger = after != null && (after.kind() == Kind.OPEN || after.kind() == Kind.DOT);
        return !typeOrLonger && !functionOrLonger;
    }

    /** The significant tokens; whitespace and comments are left out, names are folded as PostgreSQL folds them. */
    private static List<Token> tokens(String s) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            int start = i;
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '-' && i + 1 < n && s.charAt(i + 1) == '-') {
                while (i < n && s.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                int depth = 0;
                do {
                    if (s.startsWith("/*", i)) {
                        depth++;
                        i += 2;
                    } else if (s.startsWith("*/", i)) {
                        depth--;
                        i += 2;
                    } else {
                        i++;
                    }
                } while (i < n && depth > 0);
            } else if (c == '\'') {
                i = quoted(s, i, '\'', false);
                out.add(new Token(Kind.OTHER, start, i, null));
            } else if ((c == 'e' || c == 'E') && i + 1 < n && s.charAt(i + 1) == '\'') {
                i = quoted(s, i + 1, '\'', true);
                out.add(new Token(Kind.OTHER, start, i, null));
            } else if (c == '"') {
                i = quoted(s, i, '"', false);
                out.add(new Token(Kind.NAME, start, i, s.substring(start + 1, i - 1).replace("\"\"", "\"")));
            } else if (c == '$' && dollarTag(s, i) != null) {
                String tag = dollarTag(s, i);
                int close = s.indexOf(tag, i + tag.length());
                i = close < 0 ? n : close + tag.length();
                out.add(new Token(Kind.OTHER, start, i, null));
            } else if (Character.isLetter(c) || c == '_') {
                while (i < n && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_' || s.charAt(i) == '$')) {
                    i++;
                }
                out.add(new Token(Kind.NAME, start, i, s.substring(start, i).toLowerCase(java.util.Locale.ROOT)));
            } else if (c == ':' && i + 1 < n && s.charAt(i + 1) == ':') {
                i += 2;
                out.add(new Token(Kind.CAST, start, i, null));
            } else {
                i++;
                out.add(new Token(c == '.' ? Kind.DOT : c == '(' ? Kind.OPEN : Kind.OTHER, start, i, null));
            }
        }
        return out;
    }

    /** The index just past a quoted token opened at {@code i}; a doubled quote is one quote inside it. */
    private static int quoted(String s, int i, char q, boolean backslashes) {
        int j = i + 1;
        while (j < s.length()) {
            char c = s.charAt(j);
            if (backslashes && c == '\\') {
                j += 2;
            } else if (c == q && j + 1 < s.length() && s.charAt(j + 1) == q) {
                j += 2;
            } else if (c == q) {
                return j + 1;
            } else {
                j++;
            }
        }
        return s.length();
    }

    /** The {@code $tag$} opening a dollar quote at {@code i}, or null ({@code $1} is a parameter). */
    private static String dollarTag(String s, int i) {
        int j = i + 1;
        while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
            if (j == i + 1 && Character.isDigit(s.charAt(j))) {
                return null;
            }
            j++;
        }
        return j < s.length() && s.charAt(j) == '$' ? s.substring(i, j + 1) : null;
    }
}
