package dev.ferry.cli.progress;

import java.io.PrintWriter;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.stream.Collectors;

/** Progress for logs and pipes: one plain line every few seconds, never a control character. */
final class LogProgress extends CopyProgress {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    LogProgress(PrintWriter out, long periodMillis) {
        super(out, periodMillis);
    }

    @Override
    protected void print(String line) {
        out.println(LocalTime.now().format(TIME) + " " + line);
        out.flush();
    }

    @Override
    protected void draw() {
        double f = overallFraction();
        String active = active().stream().map(t -> String.format(Locale.ROOT, "%s %.0f%%", t.id, 100 * t.fraction()))
                .collect(Collectors.joining(", "));
        print(String.format(Locale.ROOT, "copy %.1f%%: %s rows, %s, %s rows/s, ETA %s%s", 100 * f, rows(rowsNow.get()),
                size(bytesNow.get()), rows(rate()), duration(etaSeconds()),
                active.isEmpty() ? "" : "; copying " + active));
    }

    @Override
    protected void finish() {
        double secs = elapsedSeconds();
        print(String.format(Locale.ROOT, "copy done: %s rows, %s in %.1f s", rows(rowsNow.get()), size(bytesNow.get()), secs));
    }
}
