package dev.ferry.applier.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import java.net.SocketException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

class RetryPolicyTest {

    @Test
    void lostConnectionsAreClassifiedFromTheirCauseChain() {
        assertEquals(RetryPolicy.Kind.LOST_CONNECTION, RetryPolicy.classify(new TargetWriter.TargetUnavailable(
                new SQLException("gone", "08006"))));
        assertEquals(RetryPolicy.Kind.LOST_CONNECTION, RetryPolicy.classify(new RuntimeException("engine",
                new PSQLException("An I/O error occurred", PSQLState.CONNECTION_FAILURE, new SocketException("reset")))));
        assertEquals(RetryPolicy.Kind.LOST_CONNECTION, RetryPolicy.classify(new FerryException(ExitCode.SERVER,
                "could not connect", new SQLException("refused", "08001"))));
        assertEquals(RetryPolicy.Kind.LOST_CONNECTION, RetryPolicy.classify(new RuntimeException(
                new SQLException("terminating connection due to administrator command", "57P01"))));
    }

    @Test
    void targetConflictsAreToldApartFromRefusals() {
        assertEquals(RetryPolicy.Kind.CONFLICT, RetryPolicy.classify(new TargetWriter.TargetConflict("t: deadlock",
                new SQLException("deadlock detected", "40P01"))));
        for (String state : new String[] {"40001", "55P03"}) {
            assertEquals(RetryPolicy.Kind.CONFLICT, RetryPolicy.classify(new SQLException("x", state)));
        }
        assertEquals(RetryPolicy.Kind.DETERMINISTIC, RetryPolicy.classify(new FerryException(ExitCode.SERVER,
                "the target refused a change", new SQLException("violates check constraint", "23514"))));
    }

    @Test
    void whatWouldFailAgainIsDeterministic() {
        assertEquals(RetryPolicy.Kind.DETERMINISTIC, RetryPolicy.classify(new IllegalArgumentException(
                "Unexpected input: \"")));
        // A sentence for a person stays one, even with a connection problem somewhere below it.
        assertEquals(RetryPolicy.Kind.DETERMINISTIC, RetryPolicy.classify(new FerryException(ExitCode.USAGE,
                "slot gone", new SQLException("x", "08006"))));
    }

    @Test
    void lostConnectionsBackOffUpToTheLimitAndProgressResetsTheCount() {
        RetryPolicy p = new RetryPolicy();
        RetryPolicy.Retry first = assertInstanceOf(RetryPolicy.Retry.class, p.next(RetryPolicy.Kind.LOST_CONNECTION, false));
        assertEquals(1000, first.pause().toMillis());
        RetryPolicy.Retry second = assertInstanceOf(RetryPolicy.Retry.class, p.next(RetryPolicy.Kind.LOST_CONNECTION, false));
        assertEquals(1600, second.pause().toMillis());
        for (int i = 3; i < RetryPolicy.MAX_LOST; i++) {
            RetryPolicy.Retry r = assertInstanceOf(RetryPolicy.Retry.class, p.next(RetryPolicy.Kind.LOST_CONNECTION, false));
            // Resilience4j's exponential backoff, within its rounding (it multiplies step by step).
            double exact = Math.min(30_000, 1000 * Math.pow(1.6, i - 1));
            assertEquals(exact, r.pause().toMillis(), exact / 1000 + 1);
        }
        assertInstanceOf(RetryPolicy.Stop.class, p.next(RetryPolicy.Kind.LOST_CONNECTION, false));
        RetryPolicy.Retry again = assertInstanceOf(RetryPolicy.Retry.class, p.next(RetryPolicy.Kind.LOST_CONNECTION, true));
        assertEquals(1, again.attempt());
    }

    @Test
    void conflictsAreRetriedABoundedNumberOfTimesAndRefusalsNever() {
        RetryPolicy p = new RetryPolicy();
        for (int i = 1; i <= RetryPolicy.MAX_CONFLICTS; i++) {
            assertEquals(i, assertInstanceOf(RetryPolicy.Retry.class, p.next(RetryPolicy.Kind.CONFLICT, false)).attempt());
        }
        assertInstanceOf(RetryPolicy.Stop.class, p.next(RetryPolicy.Kind.CONFLICT, false));
        assertInstanceOf(RetryPolicy.Stop.class, new RetryPolicy().next(RetryPolicy.Kind.DETERMINISTIC, false));
    }
}
