package dev.ferry.cli;

import picocli.CommandLine.IVersionProvider;

final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Ferry.class.getPackage().getImplementationVersion();
        return new String[] {"ferry " + (v == null ? "development build" : v)};
    }
}
