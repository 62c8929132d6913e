package dev.quiesce.tck;

import java.util.List;

/**
 * Broken {@link dev.quiesce.spi.SnapshotProvider}s run through {@link SnapshotProviderKit}
 * by {@link KitSelfTest}; each nested class is named after the rule its flaw must fail.
 */
final class ProviderFixtures {
    private ProviderFixtures() {
    }

    static final List<Class<? extends SnapshotProviderKit>> ALL = List.of(
            S1_freeBlocksReadOrigin.class,
            S2_copiesFirstBlockOnly.class,
            S3_writableView.class,
            S4_repeatMakesNew.class,
            S5_nameReusedAcrossSources.class,
            S6_deleteMissingFails.class,
            S7_abortAfterCutLeaks.class,
            S8_claimsSplitMirror.class,
            S9_cutStampsSource.class,
            S10_listsFirstPageOnly.class,
            S11_deleteFreesOlder.class,
            S12_acceptsAnySource.class,
            S13_invalidReadsZeros.class,
            S14_neverReady.class);

    abstract static class Flawed extends SnapshotProviderKit {
        private final MemoryCowProvider.Flaw flaw;

        Flawed(MemoryCowProvider.Flaw flaw) {
            this.flaw = flaw;
        }

        @Override
        protected ProviderSubject createSubject() {
            return new MemoryCowSubject(flaw);
        }

        @Override
        protected String subjectName() {
            return "fixture-" + getClass().getSimpleName();
        }
    }

    /** The provider without a flaw: it must pass every rule. */
    static final class Flawless extends Flawed {
        Flawless() {
            super(MemoryCowProvider.Flaw.NONE);
        }
    }

    /** S1_FREE_BLOCKS_READ_ORIGIN. */
    static final class S1_freeBlocksReadOrigin extends Flawed {
        S1_freeBlocksReadOrigin() {
            super(MemoryCowProvider.Flaw.S1_FREE_BLOCKS_READ_ORIGIN);
        }
    }

    /** S2_COPIES_FIRST_BLOCK_ONLY. */
    static final class S2_copiesFirstBlockOnly extends Flawed {
        S2_copiesFirstBlockOnly() {
            super(MemoryCowProvider.Flaw.S2_COPIES_FIRST_BLOCK_ONLY);
        }
    }

    /** S3_WRITABLE_VIEW. */
    static final class S3_writableView extends Flawed {
        S3_writableView() {
            super(MemoryCowProvider.Flaw.S3_WRITABLE_VIEW);
        }
    }

    /** S4_REPEAT_MAKES_NEW. */
    static final class S4_repeatMakesNew extends Flawed {
        S4_repeatMakesNew() {
            super(MemoryCowProvider.Flaw.S4_REPEAT_MAKES_NEW);
        }
    }

    /** S5_NAME_REUSED_ACROSS_SOURCES. */
    static final class S5_nameReusedAcrossSources extends Flawed {
        S5_nameReusedAcrossSources() {
            super(MemoryCowProvider.Flaw.S5_NAME_REUSED_ACROSS_SOURCES);
        }
    }

    /** S6_DELETE_MISSING_FAILS. */
    static final class S6_deleteMissingFails extends Flawed {
        S6_deleteMissingFails() {
            super(MemoryCowProvider.Flaw.S6_DELETE_MISSING_FAILS);
        }
    }

    /** S7_ABORT_AFTER_CUT_LEAKS. */
    static final class S7_abortAfterCutLeaks extends Flawed {
        S7_abortAfterCutLeaks() {
            super(MemoryCowProvider.Flaw.S7_ABORT_AFTER_CUT_LEAKS);
        }
    }

    /** S8_CLAIMS_SPLIT_MIRROR. */
    static final class S8_claimsSplitMirror extends Flawed {
        S8_claimsSplitMirror() {
            super(MemoryCowProvider.Flaw.S8_CLAIMS_SPLIT_MIRROR);
        }
    }

    /** S9_CUT_STAMPS_SOURCE. */
    static final class S9_cutStampsSource extends Flawed {
        S9_cutStampsSource() {
            super(MemoryCowProvider.Flaw.S9_CUT_STAMPS_SOURCE);
        }
    }

    /** S10_LISTS_FIRST_PAGE_ONLY. */
    static final class S10_listsFirstPageOnly extends Flawed {
        S10_listsFirstPageOnly() {
            super(MemoryCowProvider.Flaw.S10_LISTS_FIRST_PAGE_ONLY);
        }
    }

    /** S11_DELETE_FREES_OLDER. */
    static final class S11_deleteFreesOlder extends Flawed {
        S11_deleteFreesOlder() {
            super(MemoryCowProvider.Flaw.S11_DELETE_FREES_OLDER);
        }
    }

    /** S12_ACCEPTS_ANY_SOURCE. */
    static final class S12_acceptsAnySource extends Flawed {
        S12_acceptsAnySource() {
            super(MemoryCowProvider.Flaw.S12_ACCEPTS_ANY_SOURCE);
        }
    }

    /** S13_INVALID_READS_ZEROS. */
    static final class S13_invalidReadsZeros extends Flawed {
        S13_invalidReadsZeros() {
            super(MemoryCowProvider.Flaw.S13_INVALID_READS_ZEROS);
        }
    }

    /** S14_NEVER_READY. */
    static final class S14_neverReady extends Flawed {
        S14_neverReady() {
            super(MemoryCowProvider.Flaw.S14_NEVER_READY);
        }
    }
}
