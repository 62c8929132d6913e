package dev.quiesce.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** Reads the version Maven wrote into {@code quiesce-version.properties}. */
final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
        Properties properties = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("/dev/quiesce/cli/quiesce-version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        }
        return new String[] {"quiesce " + properties.getProperty("version", "(unknown version)"),
            "Java " + System.getProperty("java.version")};
    }
}
