package dev.ferry.cli;

import dev.ferry.applier.Stream;
import dev.ferry.applier.StreamListener;
import dev.ferry.core.Lsn;
import dev.ferry.snapshot.DeferredBuilds;
import dev.ferry.switchover.FenceWatch;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the stream in the foreground until Ctrl-C: a live line on a terminal, a log line every few seconds
 * otherwise. Unique indexes a resumed snapshot deferred are built beside it ({@link DeferredBuilds}), started once
 * the stream has committed its first transaction, so it holds the run.
 */
final class Streaming implements StreamListener {
    private static final Logger LOG = LoggerFactory.getLogger("dev.ferry.stream");
    static final long REPORT_MILLIS = 5000;

    private final PrintWriter out;
    private final boolean terminal = System.console() != null;
    private final Settings settings;
    private volatile DeferredBuilds builds;
    private final AtomicLong changes = new AtomicLong();
    private long lastReport = System.currentTimeMillis();
    private long changesAtReport;
    private Lsn lastLsn = Lsn.ZERO;

    private Streaming(PrintWriter out, Settings settings) {
        this.out = out;
        this.settings = settings;
    }

    static void run(Settings s, StreamFlags flags, PrintWriter out) {
        Streaming listener = new Streaming(out, s);
        Stream stream = new Stream(flags.options(s), listener);
        Thread hook = new Thread(stream::stop, "ferry-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("Streaming changes to " + s.target().address() + " (Ctrl-C to stop; the position is kept).");
        out.flush();
        try {
            stream.run();
        } finally {
            if (listener.builds != null) {
                listener.builds.close();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already stopping: the hook has run
            }
        }
    }

    @Override
    public void committed(Lsn lsn, long n) {
        changes.addAndGet(n);
        lastLsn = lsn;
        if (builds == null) {
            builds = DeferredBuilds.start(settings.target(), settings.stateSchema(), this::message);
        }
        long now = System.currentTimeMillis();
        if (now - lastReport >= (terminal ? 500 : REPORT_MILLIS)) {
            long total = changes.get();
            double rate = (total - changesAtReport) * 1000.0 / Math.max(1, now - lastReport);
            String line = String.format("applied %s, %d changes, %.0f changes/s", lsn, total, rate);
            if (terminal) {
                out.print("\r" + line + "   ");
                out.flush();
            } else {
                LOG.info(line);
            }
            lastReport = now;
            changesAtReport = total;
        }
    }

    /** Waits at the switch's fence until the switch decides; true once the run is switched over. */
    @Override
    public boolean fenced(Lsn commit) {
        return FenceWatch.switchedOver(settings.source(), settings.target(), settings.stateSchema(), commit, this::message);
    }

    @Override
    public void message(String text) {
        if (terminal) {
            out.println();
        }
        LOG.info(text);
    }
}
