package dev.ferry.transforms.builtin;

import dev.ferry.transforms.Row;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The small, safe expression language of {@code compute} and {@code filter}: SQL-like, no scripting engine,
 * nothing but the row's own values. Immutable and thread-safe once parsed.
 *
 * <pre>
 *   literals     'text' (with '' for a quote)   42   -1.5   true   false   null
 *   columns      amount   "Order Total"   (unquoted names fold to lower case, as in SQL)
 *   arithmetic   + - * / %  on numbers (exact decimals; / keeps 34 significant digits)
 *   text         a || b   (NULL if either is NULL)
 *   functions    lower(x) upper(x) trim(x) length(x) coalesce(a, b, ...) concat(a, b, ...) abs(x) round(x[, n])
 *   comparisons  = != &lt;&gt; &lt; &lt;= &gt; &gt;=   x in (a, b)   x not in (a, b)   x is null   x is not null
 *   logic        and  or  not  ( ... )
 * </pre>
 *
 * <p>Values: a column of a numeric type (smallint, integer, bigint, numeric, real, double precision) is a
 * number, a boolean column is a boolean, every other column is text. Comparing a number with text converts the
 * text to a number (an error if it is not one); two texts compare by code point, not by collation. NULL behaves
 * as in SQL: comparisons and arithmetic with NULL give NULL, and a filter keeps only rows where the predicate is
 * true. A computed value is written in PostgreSQL's text form (numbers plain, booleans {@code t}/{@code f}).
 */
public final class Expression implements Formula {
    private final String text;
    private final Node root;
    private final Set<String> columns;

    private Expression(String text, Node root, Set<String> columns) {
        this.text = text;
        this.root = root;
        this.columns = Collections.unmodifiableSet(columns);
    }

    /** @throws IllegalArgumentException naming the position and what was expected */
    public static Expression parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("the expression is empty");
        }
        Parser p = new Parser(text);
        Node root = p.expression();
        if (p.peek().kind != Kind.END) {
            throw p.error("unexpected " + p.peek());
        }
        return new Expression(text, root, p.columns);
    }

    /** The columns the expression reads. */
    @Override
    public Set<String> columns() {
        return columns;
    }

    /** The value: a String, BigDecimal, Boolean, or null for NULL. */
    public Object evaluate(Row row) {
        return root.eval(row);
    }

    /** The value in PostgreSQL text form, or null. */
    @Override
    public String evaluateText(Row row) {
        Object v = evaluate(row);
        if (v instanceof Boolean b) {
            return b ? "t" : "f";
        }
        return v == null ? null : text(v);
    }

    /** A predicate's value: true, false, or null (unknown, as for NULL comparisons). */
    public Boolean test(Row row) {
        Object v = evaluate(row);
        if (v == null || v instanceof Boolean) {
            return (Boolean) v;
        }
        throw new IllegalArgumentException("the condition " + this.text + " gives " + quote(text(v))
                + ", not true or false; use a comparison such as = or is null");
    }

    @Override
    public String toString() {
        return text;
    }

    // ---- evaluation ----

    @FunctionalInterface
    private interface Node {
        Object eval(Row row);
    }

    private static Object columnValue(Row row, String name) {
        String v = row.get(name);
        if (v == null) {
            return null;
        }
        String type = row.schema().column(name).orElseThrow().type();
        if (BuiltinTypes.isNumeric(type)) {
            try {
                return new BigDecimal(v);
            } catch (NumberFormatException e) {
                return v; // NaN, Infinity: only usable as text
            }
        }
        if (type.equals("boolean")) {
            return v.equals("t") || v.equalsIgnoreCase("true");
        }
        return v;
    }

    static String text(Object v) {
        if (v instanceof BigDecimal d) {
            return d.toPlainString();
        }
        return String.valueOf(v);
    }

    static String quote(String s) {
        String shown = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return "'" + shown + "'";
    }

    private static BigDecimal number(Object v) {
        if (v instanceof BigDecimal d) {
            return d;
        }
        if (v instanceof String s) {
            try {
                return new BigDecimal(s.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(quote(s) + " is not a number");
            }
        }
        throw new IllegalArgumentException(v + " is not a number");
    }

    private static Boolean bool(Object v) {
        if (v == null || v instanceof Boolean) {
            return (Boolean) v;
        }
        throw new IllegalArgumentException(quote(text(v)) + " is not true or false");
    }

    private static Integer compare(Object a, Object b) {
        if (a == null || b == null) {
            return null;
        }
        if (a instanceof BigDecimal || b instanceof BigDecimal) {
            return number(a).compareTo(number(b));
        }
        if (a instanceof Boolean x && b instanceof Boolean y) {
            return x.compareTo(y);
        }
        return text(a).compareTo(text(b));
    }

    private static Object arithmetic(String op, Object a, Object b) {
        if (a == null || b == null) {
            return null;
        }
        BigDecimal x = number(a);
        BigDecimal y = number(b);
        return switch (op) {
            case "+" -> x.add(y);
            case "-" -> x.subtract(y);
            case "*" -> x.multiply(y);
            case "/" -> {
                if (y.signum() == 0) {
                    throw new IllegalArgumentException("division by zero");
                }
                BigDecimal q = x.divide(y, MathContext.DECIMAL128);
                yield q.scale() > 0 ? q.stripTrailingZeros() : q;
            }
            case "%" -> {
                if (y.signum() == 0) {
                    throw new IllegalArgumentException("division by zero");
                }
                yield x.remainder(y);
            }
            default -> throw new IllegalStateException(op);
        };
    }

    private static Node function(String name, List<Node> args, Parser p) {
        switch (name) {
            case "lower", "upper", "trim", "length", "abs" -> p.arity(name, args, 1, 1);
            case "round" -> p.arity(name, args, 1, 2);
            case "coalesce", "concat" -> p.arity(name, args, 1, Integer.MAX_VALUE);
            default -> throw p.error("unknown function " + name
                    + "; known: lower, upper, trim, length, coalesce, concat, abs, round");
        }
        Node first = args.get(0);
        return switch (name) {
            case "lower" -> r -> map(first.eval(r), v -> text(v).toLowerCase(Locale.ROOT));
            case "upper" -> r -> map(first.eval(r), v -> text(v).toUpperCase(Locale.ROOT));
            case "trim" -> r -> map(first.eval(r), v -> text(v).strip());
            case "length" -> r -> map(first.eval(r), v -> {
                String s = text(v);
                return BigDecimal.valueOf(s.codePointCount(0, s.length()));
            });
            case "abs" -> r -> map(first.eval(r), v -> number(v).abs());
            case "round" -> r -> {
                Object v = first.eval(r);
                Object n = args.size() > 1 ? args.get(1).eval(r) : BigDecimal.ZERO;
                return v == null || n == null ? null
                        : number(v).setScale(number(n).intValueExact(), RoundingMode.HALF_UP);
            };
            case "coalesce" -> r -> {
                for (Node a : args) {
                    Object v = a.eval(r);
                    if (v != null) {
                        return v;
                    }
                }
                return null;
            };
            default -> r -> { // concat: NULLs count as empty, as in SQL
                StringBuilder sb = new StringBuilder();
                for (Node a : args) {
                    Object v = a.eval(r);
                    if (v != null) {
                        sb.append(text(v));
                    }
                }
                return sb.toString();
            };
        };
    }

    private static Object map(Object v, java.util.function.Function<Object, Object> f) {
        return v == null ? null : f.apply(v);
    }

    // ---- parsing: recursive descent, one method per precedence level ----

    private enum Kind { NUMBER, STRING, NAME, QUOTED_NAME, SYMBOL, END }

    private record Token(Kind kind, String text, int at) {
        boolean is(String s) {
            return (kind == Kind.SYMBOL && text.equals(s)) || (kind == Kind.NAME && text.equalsIgnoreCase(s));
        }

        @Override
        public String toString() {
            return kind == Kind.END ? "end of expression" : "'" + text + "' at position " + (at + 1);
        }
    }

    private static final class Parser {
        private final String src;
        private final List<Token> tokens = new ArrayList<>();
        private final Set<String> columns = new LinkedHashSet<>();
        private int pos;

        Parser(String src) {
            this.src = src;
            tokenize();
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException("cannot read expression " + src + ": " + what);
        }

        Token peek() {
            return tokens.get(pos);
        }

        Token next() {
            return tokens.get(pos++);
        }

        boolean accept(String s) {
            if (peek().is(s)) {
                pos++;
                return true;
            }
            return false;
        }

        void expect(String s) {
            if (!accept(s)) {
                throw error("expected '" + s + "' but found " + peek());
            }
        }

        void arity(String name, List<Node> args, int min, int max) {
            if (args.size() < min || args.size() > max) {
                throw error(name + "() takes " + (min == max ? min : min + (max == Integer.MAX_VALUE ? " or more"
                        : " to " + max)) + " arguments, not " + args.size());
            }
        }

        Node expression() {
            return logical(this::and, "or", true);
        }

        Node and() {
            return logical(this::not, "and", false);
        }

        /** {@code or} (dominant true) and {@code and} (dominant false), with SQL's three-valued logic. */
        private Node logical(Supplier<Node> operand, String word, boolean dominant) {
            Node left = operand.get();
            while (accept(word)) {
                Node l = left;
                Node r = operand.get();
                left = row -> {
                    Boolean x = bool(l.eval(row));
                    if (x != null && x == dominant) {
                        return dominant;
                    }
                    Boolean y = bool(r.eval(row));
                    if (y != null && y == dominant) {
                        return dominant;
                    }
                    return x == null || y == null ? null : !dominant;
                };
            }
            return left;
        }

        Node not() {
            if (accept("not")) {
                Node inner = not();
                return row -> {
                    Boolean b = bool(inner.eval(row));
                    return b == null ? null : !b;
                };
            }
            return comparison();
        }

        Node comparison() {
            Node left = concat();
            Token t = peek();
            for (String op : List.of("=", "!=", "<>", "<=", ">=", "<", ">")) {
                if (accept(op)) {
                    Node right = concat();
                    return row -> {
                        Integer c = compare(left.eval(row), right.eval(row));
                        if (c == null) {
                            return null;
                        }
                        return switch (op) {
                            case "=" -> c == 0;
                            case "!=", "<>" -> c != 0;
                            case "<" -> c < 0;
                            case "<=" -> c <= 0;
                            case ">" -> c > 0;
                            default -> c >= 0;
                        };
                    };
                }
            }
            if (accept("is")) {
                boolean negated = accept("not");
                expect("null");
                return row -> (left.eval(row) == null) != negated;
            }
            boolean negated = false;
            if (t.is("not") && tokens.get(pos + 1).is("in")) {
                pos++;
                negated = true;
            }
            if (accept("in")) {
                expect("(");
                List<Node> items = new ArrayList<>();
                do {
                    items.add(concat());
                } while (accept(","));
                expect(")");
                boolean neg = negated;
                return row -> {
                    Object v = left.eval(row);
                    boolean sawNull = false;
                    for (Node item : items) {
                        Integer c = compare(v, item.eval(row));
                        if (c == null) {
                            sawNull = true;
                        } else if (c == 0) {
                            return !neg;
                        }
                    }
                    return sawNull ? null : neg;
                };
            }
            return left;
        }

        Node concat() {
            Node left = additive();
            while (accept("||")) {
                Node l = left;
                Node r = additive();
                left = row -> {
                    Object a = l.eval(row);
                    Object b = r.eval(row);
                    return a == null || b == null ? null : text(a) + text(b);
                };
            }
            return left;
        }

        Node additive() {
            return arithmeticLevel(this::multiplicative, "+", "-");
        }

        Node multiplicative() {
            return arithmeticLevel(this::unary, "*", "/", "%");
        }

        private Node arithmeticLevel(Supplier<Node> operand, String... ops) {
            Node left = operand.get();
            while (List.of(ops).contains(peek().text) && peek().kind == Kind.SYMBOL) {
                String op = next().text;
                Node l = left;
                Node r = operand.get();
                left = row -> arithmetic(op, l.eval(row), r.eval(row));
            }
            return left;
        }

        Node unary() {
            if (accept("-")) {
                Node inner = unary();
                return row -> {
                    Object v = inner.eval(row);
                    return v == null ? null : number(v).negate();
                };
            }
            return primary();
        }

        Node primary() {
            Token t = next();
            switch (t.kind) {
                case NUMBER -> {
                    BigDecimal d = new BigDecimal(t.text);
                    return row -> d;
                }
                case STRING -> {
                    String s = t.text;
                    return row -> s;
                }
                case QUOTED_NAME -> {
                    return column(t.text);
                }
                case NAME -> {
                    String word = t.text.toLowerCase(Locale.ROOT);
                    switch (word) {
                        case "null":
                            return row -> null;
                        case "true":
                            return row -> true;
                        case "false":
                            return row -> false;
                        case "and", "or", "not", "in", "is":
                            throw error("unexpected " + t);
                        default:
                            break;
                    }
                    if (accept("(")) {
                        List<Node> args = new ArrayList<>();
                        if (!accept(")")) {
                            do {
                                args.add(expression());
                            } while (accept(","));
                            expect(")");
                        }
                        return function(word, args, this);
                    }
                    return column(word);
                }
                case SYMBOL -> {
                    if (t.text.equals("(")) {
                        Node inner = expression();
                        expect(")");
                        return inner;
                    }
                    throw error("unexpected " + t);
                }
                default -> throw error("unexpected end of expression");
            }
        }

        Node column(String name) {
            columns.add(name);
            return row -> columnValue(row, name);
        }

        private void tokenize() {
            int i = 0;
            int n = src.length();
            while (i < n) {
                char c = src.charAt(i);
                if (Character.isWhitespace(c)) {
                    i++;
                } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(src.charAt(i + 1)))) {
                    int start = i;
                    while (i < n && (Character.isDigit(src.charAt(i)) || src.charAt(i) == '.')) {
                        i++;
                    }
                    String num = src.substring(start, i);
                    try {
                        new BigDecimal(num);
                    } catch (NumberFormatException e) {
                        throw error("bad number '" + num + "' at position " + (start + 1));
                    }
                    tokens.add(new Token(Kind.NUMBER, num, start));
                } else if (c == '\'' || c == '"') {
                    int start = i;
                    StringBuilder sb = new StringBuilder();
                    i++;
                    while (true) {
                        if (i >= n) {
                            throw error("unterminated " + (c == '\'' ? "text" : "quoted name") + " at position "
                                    + (start + 1));
                        }
                        char d = src.charAt(i++);
                        if (d == c) {
                            if (i < n && src.charAt(i) == c) {
                                sb.append(c);
                                i++;
                            } else {
                                break;
                            }
                        } else {
                            sb.append(d);
                        }
                    }
                    tokens.add(new Token(c == '\'' ? Kind.STRING : Kind.QUOTED_NAME, sb.toString(), start));
                } else if (Character.isLetter(c) || c == '_') {
                    int start = i;
                    while (i < n && (Character.isLetterOrDigit(src.charAt(i)) || src.charAt(i) == '_'
                            || src.charAt(i) == '$')) {
                        i++;
                    }
                    tokens.add(new Token(Kind.NAME, src.substring(start, i), start));
                } else {
                    String two = i + 1 < n ? src.substring(i, i + 2) : "";
                    if (List.of("!=", "<>", "<=", ">=", "||").contains(two)) {
                        tokens.add(new Token(Kind.SYMBOL, two, i));
                        i += 2;
                    } else if ("=<>+-*/%(),".indexOf(c) >= 0) {
                        tokens.add(new Token(Kind.SYMBOL, String.valueOf(c), i));
                        i++;
                    } else {
                        throw error("unexpected character '" + c + "' at position " + (i + 1));
                    }
                }
            }
            tokens.add(new Token(Kind.END, "", n));
        }
    }
}
