package dev.ferry.snapshot;

import dev.ferry.core.FerryException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A copy speed limit: rows per second or bytes per second, as {@code --max-rate} writes it
 * ({@code 50000rows}, {@code 20MB}, {@code 512kB/s}, {@code 1.5GB}). Unlimited by default.
 *
 * @param perSecond units per second; 0 means unlimited
 * @param rows      true when the unit is rows, false for bytes
 */
public record Rate(double perSecond, boolean rows) {
    public static final Rate UNLIMITED = new Rate(0, false);

    private static final Pattern FORM = Pattern.compile(
            "\\s*([0-9]+(?:\\.[0-9]+)?)\\s*(rows?|b|kb|kib|mb|mib|gb|gib)?\\s*(?:/s)?\\s*", Pattern.CASE_INSENSITIVE);

    public static Rate parse(String text) {
        if (text == null || text.isBlank() || text.equalsIgnoreCase("unlimited")) {
            return UNLIMITED;
        }
        Matcher m = FORM.matcher(text);
        if (!m.matches()) {
            throw FerryException.usage("--max-rate \"" + text + "\" is not a rate; write rows per second like 50000rows "
                    + "or bytes per second like 20MB");
        }
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "rows" : m.group(2).toLowerCase(Locale.ROOT);
        if (n <= 0) {
            throw FerryException.usage("--max-rate must be above zero, not \"" + text + "\"");
        }
        return switch (unit) {
            case "row", "rows" -> new Rate(n, true);
            case "b" -> new Rate(n, false);
            case "kb", "kib" -> new Rate(n * 1024, false);
            case "mb", "mib" -> new Rate(n * 1024 * 1024, false);
            default -> new Rate(n * 1024 * 1024 * 1024, false);
        };
    }

    public boolean unlimited() {
        return perSecond <= 0;
    }

    @Override
    public String toString() {
        if (unlimited()) {
            return "unlimited";
        }
        return rows ? String.format(Locale.ROOT, "%.0f rows/s", perSecond)
                : String.format(Locale.ROOT, "%.1f MB/s", perSecond / 1024 / 1024);
    }
}
