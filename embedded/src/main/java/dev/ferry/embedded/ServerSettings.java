package dev.ferry.embedded;

import java.util.LinkedHashMap;
import java.util.Map;

/** Server settings for throwaway servers: fast (no fsync) but with logical decoding and honest commits. */
final class ServerSettings {
    private ServerSettings() {}

    static Map<String, String> forRole(boolean logical) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("listen_addresses", "127.0.0.1");
        s.put("fsync", "off");
        s.put("full_page_writes", "off");
        // On: otherwise a change committed a moment ago may not be decodable yet (STACK.md).
        s.put("synchronous_commit", "on");
        s.put("max_connections", "200");
        s.put("shared_buffers", "128MB");
        s.put("max_wal_size", "2GB");
        s.put("timezone", "UTC");
        s.put("lc_monetary", "C");
        s.put("wal_level", logical ? "logical" : "replica");
        s.put("max_replication_slots", "10");
        s.put("max_wal_senders", "10");
        return s;
    }
}
