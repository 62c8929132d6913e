package dev.quiesce.cli;

import picocli.CommandLine.Option;

/** The options every command on an image shares. */
final class ImageOptions {
    @Option(names = "--block-size", paramLabel = "BYTES", defaultValue = "4096",
            description = "Block size the image was formatted with (default: ${DEFAULT-VALUE}).")
    int blockSize;
}
