package dev.quiesce.archfixture.spi;

import java.util.List;

/** Follows the SPI rule: java.* only. */
public class CleanSpi {
    public List<int[]> values;
}
