package dev.quiesce.filecopy;

/** The conformance kit against the reflink technique on a real xfs with {@code reflink=1}. */
class ReflinkXfsKitTest extends ReflinkBtrfsKitTest {
    @Override
    String type() {
        return "xfs";
    }
}
