package dev.ferry.cli.progress;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Progress on a terminal: a bar per active table and one overall, redrawn in place with ANSI escapes. */
final class BarProgress extends CopyProgress {
    private static final int WIDTH = 30;
    private int drawnLines;

    BarProgress(PrintWriter out) {
        super(out, 250);
    }

    @Override
    protected void print(String line) {
        erase();
        out.println(line);
        out.flush();
    }

    @Override
    protected void draw() {
        double f = overallFraction();
        List<String> lines = new ArrayList<>();
        for (TableState t : active()) {
            lines.add(String.format(Locale.ROOT, "  %-34s %s %5.1f%% %14s rows %10s", clip(t.id.toString(), 34),
                    bar(t.fraction()), 100 * t.fraction(), rows(t.rows.get()), size(t.bytes.get())));
        }
        lines.add(String.format(Locale.ROOT, "  %-34s %s %5.1f%% %14s rows %10s  %s rows/s  ETA %s", "total", bar(f),
                100 * f, rows(rowsNow.get()), size(bytesNow.get()), rows(rate()),
                duration(etaSeconds())));
        erase();
        for (String l : lines) {
            out.println(l);
        }
        out.flush();
        drawnLines = lines.size();
    }

    private void erase() {
        for (int i = 0; i < drawnLines; i++) {
            out.print("\033[1A\033[2K");
        }
        drawnLines = 0;
    }

    @Override
    protected void finish() {
        draw();
        drawnLines = 0;
    }

    private static String bar(double f) {
        int full = (int) Math.round(f * WIDTH);
        return "[" + "#".repeat(full) + " ".repeat(WIDTH - full) + "]";
    }

    private static String clip(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }
}
