package dev.quiesce.archfixture.spi;

/** Violates the SPI rule: an SPI type that depends on a test library. */
public class SpiUsingJunit {
    public org.junit.jupiter.api.TestInfo info;
}
