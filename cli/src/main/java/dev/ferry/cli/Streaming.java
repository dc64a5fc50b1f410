package dev.ferry.cli;

import dev.ferry.applier.Stream;
import dev.ferry.applier.StreamListener;
import dev.ferry.core.Lsn;
import dev.ferry.snapshot.Snapshot;
import dev.ferry.snapshot.SnapshotResult.DeferredIndex;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the stream in the foreground until Ctrl-C: a live line on a terminal, a log line every few seconds
 * otherwise. Unique indexes the snapshot had to defer are built once the stream has passed their LSN.
 */
final class Streaming implements StreamListener {
    private static final Logger LOG = LoggerFactory.getLogger("dev.ferry.stream");
    static final long REPORT_MILLIS = 5000;

    private final PrintWriter out;
    private final boolean terminal = System.console() != null;
    private final List<DeferredIndex> deferred;
    private final dev.ferry.core.ConnectionSpec target;
    private final AtomicLong changes = new AtomicLong();
    private long lastReport = System.currentTimeMillis();
    private long changesAtReport;
    private Lsn lastLsn = Lsn.ZERO;

    private Streaming(PrintWriter out, List<DeferredIndex> deferred, dev.ferry.core.ConnectionSpec target) {
        this.out = out;
        this.deferred = new ArrayList<>(deferred);
        this.target = target;
    }

    static void run(Settings s, StreamFlags flags, PrintWriter out, List<DeferredIndex> deferred) {
        Streaming listener = new Streaming(out, deferred, s.target());
        Stream stream = new Stream(flags.options(s), listener);
        Thread hook = new Thread(stream::stop, "ferry-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("Streaming changes to " + s.target().address() + " (Ctrl-C to stop; the position is kept).");
        out.flush();
        try {
            stream.run();
        } finally {
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
        if (!deferred.isEmpty()) {
            List<DeferredIndex> ready = deferred.stream().filter(d -> !d.after().isAfter(lsn)).toList();
            if (!ready.isEmpty()) {
                message("the stream passed the fresh snapshot's LSN: building " + ready.size() + " deferred unique index(es)");
                Snapshot.buildDeferred(target, ready);
                deferred.removeAll(ready);
            }
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

    @Override
    public void message(String text) {
        if (terminal) {
            out.println();
        }
        LOG.info(text);
    }
}
