package dev.ferry.transforms.builtin;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A small bounded least-recently-used cache, safe for the snapshot's concurrent workers. A value is computed
 * outside the lock, so a slow lookup does not block other threads (two threads may compute the same key once).
 */
final class LruCache<K, V> {
    private final Map<K, V> map;

    LruCache(int capacity) {
        this.map = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > capacity;
            }
        };
    }

    V get(K key) {
        synchronized (map) {
            return map.get(key);
        }
    }

    void put(K key, V value) {
        synchronized (map) {
            map.put(key, value);
        }
    }

    V computeIfAbsent(K key, Function<K, V> compute) {
        synchronized (map) {
            V v = map.get(key);
            if (v != null) {
                return v;
            }
        }
        V v = compute.apply(key);
        synchronized (map) {
            map.put(key, v);
        }
        return v;
    }
}
