package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's class-data archive ({@code cli/class-data.sh}), run by bash as {@code ./ferry} runs it: which
 * flags a run gets, when a written archive is promoted, and that a half-written or foreign one is never used. The
 * JDKs are stand-ins (a release file and a {@code bin/java} whose exit status says whether an archive verified),
 * so the cases do not depend on the JDKs installed here.
 */
class ClassDataScriptTest {
    private static final Path SCRIPT = Path.of("class-data.sh").toAbsolutePath();

    @TempDir
    Path dir;
    private Path jar;
    private Path cds;

    @BeforeEach
    void aJarBuiltAMinuteAgo() throws IOException {
        jar = Files.writeString(dir.resolve("ferry.jar"), "jar");
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().minusSeconds(60)));
        cds = dir.resolve("cds");
    }

    private Path jdk(String version, boolean verifies) throws IOException {
        Path home = Files.createDirectories(dir.resolve("jdk-" + version + "-" + verifies + "/bin"));
        Files.writeString(home.getParent().resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
        Path java = Files.writeString(home.resolve("java"), "#!/bin/sh\nexit " + (verifies ? 0 : 1) + "\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return java;
    }

    /** The name an archive of command {@code name} on {@code java} gets: its JVM binary's time is in it. */
    private Path archive(Path java, String name, String ext) throws IOException {
        return cds.resolve(name + "-" + Files.getLastModifiedTime(java).toInstant().getEpochSecond() + "." + ext);
    }

    private String flags(Path java, String name, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c",
                "source \"$1\"; class_data_flags \"$2\" \"$3\" 4242 \"$4\"", "test", SCRIPT.toString(), jar.toString(),
                name, java.toString());
        pb.environment().remove("FERRY_JAVA_OPTS");
        pb.environment().remove("FERRY_CDS");
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    private String flags(Path java) throws Exception {
        return flags(java, "snapshot", Map.of());
    }

    /** A pid no process has any more: one that has just exited. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    private Path written(Path archive, long pid) throws IOException {
        Files.createDirectories(cds);
        return Files.writeString(archive.resolveSibling(archive.getFileName() + "." + pid), "archive");
    }

    @Test
    void aFirstRunWritesAnArchiveAtExitNamedForItsProcess() throws Exception {
        Path java17 = jdk("17.0.15", true);
        assertEquals("-XX:ArchiveClassesAtExit=" + archive(java17, "snapshot", "jsa") + ".4242"
                + " -Xlog:cds=off -Xlog:cds+dynamic=off", flags(java17));
        Path java25 = jdk("25.0.3", true);
        String aot = flags(java25);
        assertTrue(aot.startsWith("-XX:+UnlockDiagnosticVMOptions -XX:-DisplayVMOutput -XX:AOTCacheOutput="
                + archive(java25, "snapshot", "aot") + ".4242 "), aot);
        assertTrue(aot.endsWith("-Xlog:aot=off -Xlog:cds=off"), aot);
        Path unknown = jdk("", true);
        assertTrue(flags(unknown).startsWith("-XX:ArchiveClassesAtExit="), "a JDK of unknown release: JDK 17's way");
    }

    @Test
    void jvmOptionsOfTheUsersOwnKeepJdk25ToTheArchiveThatDoesNotPrintThem() throws Exception {
        Path java25 = jdk("25.0.3", true);
        String out = flags(java25, "snapshot", Map.of("FERRY_JAVA_OPTS", "-Djavax.net.ssl.keyStorePassword=x"));
        assertTrue(out.startsWith("-XX:ArchiveClassesAtExit=" + archive(java25, "snapshot", "jsa")), out);
    }

    @Test
    void aFinishedArchiveIsPromotedOnceItsWriterIsGoneAndItVerifies() throws Exception {
        Path java25 = jdk("25.0.3", true);
        Path aot = archive(java25, "snapshot", "aot");
        Path part = written(aot, deadPid());
        assertEquals("-XX:AOTCache=" + aot + " -Xlog:aot=off -Xlog:cds=off", flags(java25));
        assertTrue(Files.exists(aot));
        assertFalse(Files.exists(part));
        assertEquals("-XX:AOTCache=" + aot + " -Xlog:aot=off -Xlog:cds=off", flags(java25), "mapped from then on");
    }

    @Test
    void anArchiveThatFailsVerificationIsDeletedAndWrittenAgain() throws Exception {
        Path java17 = jdk("17.0.15", false);
        Path jsa = archive(java17, "snapshot", "jsa");
        Path part = written(jsa, deadPid());
        assertTrue(flags(java17).startsWith("-XX:ArchiveClassesAtExit=" + jsa + ".4242 "));
        assertFalse(Files.exists(part));
        assertFalse(Files.exists(jsa));
    }

    @Test
    void anArchiveStillBeingWrittenIsLeftAloneAndNoSecondOneIsStarted() throws Exception {
        Path java25 = jdk("25.0.3", true);
        Path part = written(archive(java25, "snapshot", "aot"), ProcessHandle.current().pid());
        assertEquals("", flags(java25));
        assertTrue(Files.exists(part));
    }

    @Test
    void aTrainingRunsLeftoverConfigurationIsDeletedOnceItsRunIsGone() throws Exception {
        Path java25 = jdk("25.0.3", true);
        Path aot = archive(java25, "snapshot", "aot");
        Files.createDirectories(cds);
        Path config = Files.writeString(cds.resolve(aot.getFileName() + "." + deadPid() + ".config"), "config");
        assertTrue(flags(java25).contains("-XX:AOTCacheOutput=" + aot + ".4242 "));
        assertFalse(Files.exists(config));
    }

    @Test
    void anArchiveOlderThanTheJarIsNeitherUsedNorPromoted() throws Exception {
        Path java17 = jdk("17.0.15", true);
        Path jsa = archive(java17, "snapshot", "jsa");
        Path part = written(jsa, deadPid());
        Instant old = Instant.now().minusSeconds(600);
        Files.setLastModifiedTime(part, FileTime.from(old));
        assertTrue(flags(java17).startsWith("-XX:ArchiveClassesAtExit="), "an archive of an older jar is dropped");
        assertFalse(Files.exists(part));
        Files.writeString(jsa, "archive");
        Files.setLastModifiedTime(jsa, FileTime.from(old));
        assertTrue(flags(java17).startsWith("-XX:ArchiveClassesAtExit="), "a promoted one older than the jar too");
    }

    @Test
    void eachCommandAndEachJvmHasItsOwnArchiveAndNoneIsUsedWhenTurnedOff() throws Exception {
        Path java17 = jdk("17.0.15", true);
        Path jsa = archive(java17, "snapshot", "jsa");
        written(jsa, deadPid());
        assertTrue(flags(java17, "stream", Map.of()).contains(archive(java17, "stream", "jsa") + ".4242"));
        assertEquals("", flags(java17, "snapshot", Map.of("FERRY_CDS", "0")));
        assertEquals("", flags(java17, "--version", Map.of()), "only command names become file names");
    }
}
