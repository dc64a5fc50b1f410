package dev.ferry.cli;

import java.util.Arrays;

/**
 * Log levels for slf4j-simple, set before any logger exists. Debezium and Kafka are noisy at INFO (config
 * dumps, queue warnings); they speak only with --verbose.
 */
final class Logging {
    private static boolean verbose;

    private Logging() {}

    static void configure(String[] args) {
        verbose = Arrays.asList(args).contains("--verbose") || Arrays.asList(args).contains("-v");
        set("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "info" : "warn");
        set("org.slf4j.simpleLogger.log.dev.ferry", verbose ? "debug" : "info");
        set("org.slf4j.simpleLogger.showDateTime", "true");
        set("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss");
        set("org.slf4j.simpleLogger.showThreadName", "false");
        set("org.slf4j.simpleLogger.showShortLogName", "true");
        set("org.slf4j.simpleLogger.levelInBrackets", "true");
        set("org.slf4j.simpleLogger.log.io.debezium", verbose ? "info" : "error");
        set("org.slf4j.simpleLogger.log.org.apache.kafka", verbose ? "warn" : "error");
        set("org.slf4j.simpleLogger.log.io.debezium.pipeline.metrics", "error");
        // The engine logs a failure with its stack trace; Ferry reports the same failure as one sentence.
        set("org.slf4j.simpleLogger.log.io.debezium.embedded", verbose ? "info" : "off");
        // Its "Producer failure" with a stack trace is the failure the stream reports as one sentence.
        set("org.slf4j.simpleLogger.log.io.debezium.pipeline.ErrorHandler", verbose ? "info" : "off");
        set("org.slf4j.simpleLogger.log.io.zonky", verbose ? "info" : "warn");
    }

    private static void set(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    static boolean verbose() {
        return verbose;
    }
}
