package dev.ferry.core.catalog;

import dev.ferry.embedded.PgServer;
import dev.ferry.embedded.Servers;

/** The same catalog fixture read from a PostgreSQL 17 server, as {@code ferry diff} reads the target. */
class CatalogReaderOnTargetIT extends CatalogReaderIT {
    @Override
    PgServer startServer() {
        return Servers.target();
    }
}
