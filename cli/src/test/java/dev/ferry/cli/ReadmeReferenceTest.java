package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The README's command reference is generated from --help, so it cannot drift. To refresh it after changing an
 * option: {@code mvn -pl cli -am test -Dtest=ReadmeReferenceTest -Dferry.readme.update=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ReadmeReferenceTest {
    static final String MARKER = "<!-- generated from --help -->";
    static final Path README = Path.of("..", "README.md");

    static String reference() {
        CommandLine root = Ferry.commandLine();
        root.setUsageHelpWidth(110);
        root.setUsageHelpAutoWidth(false);
        StringBuilder sb = new StringBuilder(MARKER).append("\n\n```\n$ ferry --help\n").append(root.getUsageMessage())
                .append("```\n");
        root.getSubcommands().forEach((name, sub) -> {
            if (name.equals("help")) {
                return;
            }
            sub.setUsageHelpWidth(110);
            sub.setUsageHelpAutoWidth(false);
            sb.append("\n### ferry ").append(name).append("\n\n```\n").append(sub.getUsageMessage()).append("```\n");
        });
        return sb.toString();
    }

    @Test
    void readmeCommandReferenceMatchesTheHelpOutput() throws IOException {
        String readme = Files.readString(README);
        int at = readme.indexOf(MARKER);
        String expected = readme.substring(0, at) + reference();
        if (Boolean.getBoolean("ferry.readme.update")) {
            Files.writeString(README, expected);
        }
        assertEquals(expected, Files.readString(README),
                "README.md's command reference is stale; regenerate it as this test's Javadoc says");
    }
}
