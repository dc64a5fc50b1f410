package dev.ferry.applier.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.applier.internal.TxBoundaries.Beat;
import dev.ferry.applier.internal.TxBoundaries.Decision;
import dev.ferry.applier.internal.TxBoundaries.State;
import dev.ferry.core.Lsn;
import org.junit.jupiter.api.Test;

class TxBoundariesTest {
    static final long SECOND = 1_000_000_000L;

    static TxBoundaries<String> machine(long applied, int share) {
        return new TxBoundaries<>(new Lsn(applied), share, 1000, SECOND);
    }

    @Test
    void aBatchEndInsideASourceTransactionNeverCommits() {
        TxBoundaries<String> m = machine(10, 100);
        m.begin();
        m.change();
        assertInstanceOf(Decision.Hold.class, m.batchEnd());
        assertEquals(State.IN_SOURCE, m.state());
        assertInstanceOf(Decision.Hold.class, m.end(new Lsn(20), "end20", 2, 0));
        Decision<String> d = m.batchEnd();
        assertEquals(new Decision.Commit<>(new Lsn(20), "end20", 1, false), d);
        assertEquals(State.IDLE, m.state());
        assertEquals(new Lsn(20), m.committed());
    }

    @Test
    void heldTransactionsWaitWhileTheNextIsOpenAndCommitWithItsEnd() {
        TxBoundaries<String> m = machine(10, 100);
        m.begin();
        m.end(new Lsn(20), "end20", 1, 0);
        m.begin();
        m.change();
        assertInstanceOf(Decision.Hold.class, m.batchEnd(), "the held one cannot commit without half of the next");
        m.end(new Lsn(30), "end30", 2, 0);
        assertEquals(new Decision.Commit<>(new Lsn(30), "end30", 2, false), m.batchEnd());
    }

    @Test
    void aTransactionAtOrBelowThePositionIsRedelivered() {
        TxBoundaries<String> m = machine(30, 100);
        m.begin();
        assertEquals(new Decision.Redelivered<>("end20"), m.end(new Lsn(20), "end20", 1, 0));
        m.begin();
        assertEquals(new Decision.Redelivered<>("end30"), m.end(new Lsn(30), "end30", 1, 0));
        assertEquals(State.IDLE, m.state());
        m.begin();
        assertInstanceOf(Decision.Hold.class, m.end(new Lsn(31), "end31", 1, 0));
        assertEquals(new Lsn(31), ((Decision.Commit<String>) m.batchEnd()).lsn());
    }

    @Test
    void theFenceCommitsAtOnce() {
        TxBoundaries<String> m = machine(10, 100);
        m.begin();
        m.end(new Lsn(20), "end20", 1, 0);
        m.begin();
        m.message(true);
        assertEquals(new Decision.Commit<>(new Lsn(30), "end30", 2, true), m.end(new Lsn(30), "end30", 1, 0));
        m.begin();
        assertInstanceOf(Decision.Hold.class, m.end(new Lsn(40), "end40", 1, 0), "the fence flag does not linger");
    }

    @Test
    void aMessageOutsideATransactionIsNoFenceOfTheNext() {
        TxBoundaries<String> m = machine(10, 100);
        m.message(true);
        m.begin();
        assertInstanceOf(Decision.Hold.class, m.end(new Lsn(20), "end20", 1, 0));
    }

    @Test
    void limitsCommitHeldTransactions() {
        TxBoundaries<String> byCount = machine(10, 2);
        byCount.begin();
        assertInstanceOf(Decision.Hold.class, byCount.end(new Lsn(20), "a", 1, 0));
        byCount.begin();
        assertInstanceOf(Decision.Commit.class, byCount.end(new Lsn(30), "b", 2, 0));
        TxBoundaries<String> byChanges = machine(10, 100);
        byChanges.begin();
        assertInstanceOf(Decision.Commit.class, byChanges.end(new Lsn(20), "a", 1000, 0));
        TxBoundaries<String> byTime = machine(10, 100);
        byTime.begin();
        assertInstanceOf(Decision.Hold.class, byTime.end(new Lsn(20), "a", 1, 0));
        byTime.begin();
        assertInstanceOf(Decision.Commit.class, byTime.end(new Lsn(30), "b", 2, SECOND));
    }

    @Test
    void heartbeatsAreConfirmedOnlyBetweenTransactions() {
        TxBoundaries<String> m = machine(10, 100);
        assertEquals(Beat.MARK, m.heartbeat(new Lsn(10)));
        assertEquals(Beat.RECORD_AND_MARK, m.heartbeat(new Lsn(15)));
        assertEquals(new Lsn(15), m.committed());
        m.begin();
        assertEquals(Beat.IGNORE, m.heartbeat(new Lsn(15)), "mid-transaction: its offset points inside it");
        m.end(new Lsn(20), "end20", 1, 0);
        assertEquals(Beat.IGNORE, m.heartbeat(new Lsn(20)), "while a transaction is held");
        m.batchEnd();
        assertEquals(Beat.MARK, m.heartbeat(new Lsn(20)));
    }

    @Test
    void protocolViolationsAreErrorsNotGuesses() {
        TxBoundaries<String> m = machine(10, 100);
        assertThrows(IllegalStateException.class, m::change);
        assertThrows(IllegalStateException.class, () -> m.end(new Lsn(20), "x", 0, 0));
        m.begin();
        assertThrows(IllegalStateException.class, m::begin);
    }

    @Test
    void anOlderTransactionAfterAHeldOneIsAnError() {
        TxBoundaries<String> m = machine(10, 100);
        m.begin();
        m.end(new Lsn(30), "end30", 1, 0);
        m.begin();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.end(new Lsn(20), "end20", 1, 0));
        assertTrue(e.getMessage().contains("0/14"), e.getMessage());
    }
}
