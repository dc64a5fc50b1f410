package dev.ferry.transforms.builtin;

import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a {@code timestamp without time zone} in PostgreSQL's ISO text form as a wall-clock time in a zone,
 * and writes it as {@code timestamptz} text with an explicit UTC offset, so the target reads the same instant
 * whatever its session TimeZone. Follows PostgreSQL's rules: a time in a spring-forward gap is read with the
 * offset before the gap (02:30 becomes 03:30 summer time), an ambiguous time in a fall-back overlap takes the
 * offset after the transition (standard time; both checked against PostgreSQL 15), {@code infinity}/{@code -infinity} stay as they are, years BC are kept
 * (proleptic Gregorian, 1 BC = ISO year 0), and zones before standard time use their local mean time offset. Offsets come from Java's time-zone
 * database, which can differ from the server's for historic dates when their tzdata versions differ.
 */
final class LocalTimestamps {
    private LocalTimestamps() {}

    private static final Pattern ISO = Pattern.compile(
            "(\\d{4,})-(\\d{2})-(\\d{2}) (\\d{2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,6}))?( BC)?");

    static String toTimestamptz(String local, ZoneId zone) {
        if (local.equals("infinity") || local.equals("-infinity")) {
            return local;
        }
        Matcher m = ISO.matcher(local);
        if (!m.matches()) {
            throw new IllegalArgumentException("is not a timestamp in ISO form (YYYY-MM-DD HH:MI:SS[.ffffff][ BC])");
        }
        int year = Integer.parseInt(m.group(1));
        int isoYear = m.group(8) != null ? 1 - year : year;
        String fraction = m.group(7) == null ? "" : m.group(7);
        int nanos = fraction.isEmpty() ? 0 : Integer.parseInt((fraction + "000000000").substring(0, 9));
        LocalDateTime ldt;
        try {
            ldt = LocalDateTime.of(isoYear, Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                    Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)), Integer.parseInt(m.group(6)), nanos);
        } catch (java.time.DateTimeException e) {
            throw new IllegalArgumentException("is not a valid timestamp: " + e.getMessage());
        }
        // ofLocal moves a time in a gap forward by the gap's length, as PostgreSQL does; in an overlap
        // PostgreSQL takes the offset after the transition (standard time), hence the later offset.
        ZonedDateTime z = ZonedDateTime.ofLocal(ldt, zone, null).withLaterOffsetAtOverlap();
        return format(z);
    }

    private static String format(ZonedDateTime z) {
        StringBuilder sb = new StringBuilder(40);
        int y = z.getYear();
        boolean bc = y <= 0;
        String year = Integer.toString(bc ? 1 - y : y);
        sb.append("0".repeat(Math.max(0, 4 - year.length()))).append(year);
        sb.append('-').append(two(z.getMonthValue())).append('-').append(two(z.getDayOfMonth()));
        sb.append(' ').append(two(z.getHour())).append(':').append(two(z.getMinute())).append(':')
                .append(two(z.getSecond()));
        if (z.getNano() != 0) {
            String f = String.format("%09d", z.getNano()).substring(0, 6).replaceAll("0+$", "");
            sb.append('.').append(f);
        }
        int offset = z.getOffset().getTotalSeconds();
        sb.append(offset < 0 ? '-' : '+');
        int abs = Math.abs(offset);
        sb.append(two(abs / 3600));
        if (abs % 3600 != 0) {
            sb.append(':').append(two(abs % 3600 / 60));
            if (abs % 60 != 0) {
                sb.append(':').append(two(abs % 60));
            }
        }
        if (bc) {
            sb.append(" BC");
        }
        return sb.toString();
    }

    private static String two(int n) {
        return n < 10 ? "0" + n : Integer.toString(n);
    }
}
