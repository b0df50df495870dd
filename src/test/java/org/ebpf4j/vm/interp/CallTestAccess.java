package org.ebpf4j.vm.interp;

import java.util.List;

/** Lets verifier tests reuse the call-chain builder of {@link CallTest}. */
public final class CallTestAccess {
    private CallTestAccess() {}

    public static List<Object> chain(int frames) { return CallTest.chain(frames); }
}
