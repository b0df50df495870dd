package org.ebpf4j.vm.verifier;

/** Records how deep each subprogram's frame reaches (subprog_info.stack_depth). */
final class StackDepth {
    private StackDepth() {}

    static void note(VState st, int frameNo, int depth) {
        Frame f = st.frames.get(frameNo);
        st.depths.merge(f.subprog, depth, Math::max);
    }
}
