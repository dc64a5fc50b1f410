package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@link Ferry#commandLine}: a named subcommand alone, every other command line against the whole tree. */
class CommandTreeTest {

    private static List<String> names(String... args) {
        return List.copyOf(Ferry.commandLine(args).getSubcommands().keySet());
    }

    @Test
    void aNamedSubcommandIsTheOnlyOneRead() {
        assertEquals(List.of("snapshot"), names("snapshot", "--jobs", "2"));
        assertEquals(List.of("dry-run"), names("dry-run", "--table", "orders"));
    }

    @Test
    void helpNoArgumentsAndMisspeltNamesSeeEveryCommandInOrder() {
        List<String> all = names();
        assertEquals("check", all.get(0));
        assertEquals("help", all.get(all.size() - 1));
        assertEquals(13, all.size());
        assertEquals(all, names("help", "snapshot"));
        assertEquals(all, names("--help"));
        assertEquals(all, names("snapshott"));
    }

    @Test
    void helpForOneCommandAndTheSentenceForAMisspeltOneStillWork() {
        FerryRun help = FerryRun.run("help", "snapshot");
        assertEquals(0, help.exit(), help.all());
        assertTrue(help.out().contains("Usage: ferry snapshot"), help.all());
        FerryRun typo = FerryRun.run("snapshott");
        assertEquals(2, typo.exit(), typo.all());
        assertTrue(typo.err().contains("'snapshott'") && typo.err().contains("Run \"ferry --help\""), typo.all());
        FerryRun badOption = FerryRun.run("snapshot", "--no-such-option");
        assertEquals(2, badOption.exit(), badOption.all());
        assertTrue(badOption.err().contains("Run \"ferry snapshot --help\""), badOption.all());
    }

    @Test
    void theUsageOfTheRootCommandListsEveryCommand() {
        String usage = Ferry.commandLine().getUsageMessage(CommandLine.Help.Ansi.OFF);
        for (String name : names()) {
            assertTrue(usage.contains("  " + name), name + " missing from:\n" + usage);
        }
    }
}
