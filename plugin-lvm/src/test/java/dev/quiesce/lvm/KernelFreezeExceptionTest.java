package dev.quiesce.lvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The kernel's answers, as fsfreeze words them, become errno names. */
class KernelFreezeExceptionTest {
    @Test
    void errnosAreReadFromFsfreezesWords() {
        assertEquals("EBUSY", KernelFreezeException.errnoOf("1 fsfreeze: /m: freeze failed: Device or resource busy"));
        assertEquals("EOPNOTSUPP", KernelFreezeException.errnoOf("1 fsfreeze: /m: freeze failed: Operation not supported"));
        assertEquals("EPERM", KernelFreezeException.errnoOf("1 fsfreeze: /m: freeze failed: Operation not permitted"));
        assertEquals("EINVAL", KernelFreezeException.errnoOf("1 fsfreeze: /m: unfreeze failed: Invalid argument"));
        assertEquals("OTHER", KernelFreezeException.errnoOf("127 java.io.IOException: no such program"));
    }
}
