package org.ebpf4j.vm.verifier;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.BtfType;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.isa.Size;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.ProgType;
import org.ebpf4j.vm.VerifierException;
import org.junit.jupiter.api.Test;

/**
 * {@link KfuncCalls}: KF_ACQUIRE / KF_RELEASE / KF_RET_NULL reference rules on the generic
 * kfuncs, in the kernel's words (kernel/bpf/verifier.c check_kfunc_call, check_kfunc_args,
 * check_reference_leak). The leak message is the one Linux 6.18 printed for a cgroup_skb program
 * that dropped a {@code bpf_cgroup_from_id} result.
 */
class KfuncCallsTest {
    static final Btf BTF = Btf.modelKernel();
    static final int FROM_ID = id("bpf_cgroup_from_id"), CG_RELEASE = id("bpf_cgroup_release"),
            TASK_RELEASE = id("bpf_task_release"), ACQUIRE = id("bpf_cgroup_acquire");

    static int id(String name) { return BTF.findByName(name, BtfType.Func.class).orElseThrow().id(); }

    static TypeVerifier.Result verify(Asm a) {
        List<Insn> insns = a.build();
        return TypeVerifierFixture.verify(TypeVerifierFixture.prepare("kf", ProgType.CGROUP_SKB,
                AttachType.CGROUP_INET_EGRESS, insns, List.of(), BTF));
    }

    static VerifierException reject(Asm a) { return assertThrows(VerifierException.class, () -> verify(a)); }

    /** r1 = 1; r0 = bpf_cgroup_from_id(r1). */
    static Asm acquire() { return Asm.program().mov64(Reg.R1, 1).callKfunc(FROM_ID); }

    @Test
    void acquireCheckReleaseIsAccepted() {
        assertNotNull(verify(acquire().jeq(Reg.R0, 0, "out").mov64(Reg.R1, Reg.R0).callKfunc(CG_RELEASE)
                .label("out").mov64(Reg.R0, 1).exit()));
    }

    @Test
    void aReferenceNotReleasedOnEveryPathLeaks() {
        VerifierException e = reject(acquire().jeq(Reg.R0, 0, "out").mov64(Reg.R0, 1).exit()
                .label("out").mov64(Reg.R0, 1).exit());
        assertTrue(e.getMessage().contains("Unreleased reference id=") && e.getMessage().contains("alloc_insn=1"),
                e.getMessage());
        assertTrue(e.getMessage().contains("BPF_EXIT instruction in main prog would lead to reference leak"), e.getMessage());
    }

    @Test
    void releasingWithoutTheNullCheckIsRefused() {
        VerifierException e = reject(acquire().mov64(Reg.R1, Reg.R0).callKfunc(CG_RELEASE).mov64(Reg.R0, 1).exit());
        assertTrue(e.getMessage().contains("Possibly NULL pointer passed to trusted arg0"), e.getMessage());
    }

    @Test
    void releasingAPointerThatHoldsNoReferenceIsRefused() {
        // bpf_get_current_task_btf (158): a trusted task_struct pointer, but not an acquired one
        VerifierException e = reject(Asm.program().call(158).mov64(Reg.R1, Reg.R0).callKfunc(TASK_RELEASE)
                .mov64(Reg.R0, 1).exit());
        assertTrue(e.getMessage().contains("release kernel function bpf_task_release expects refcounted PTR_TO_BTF_ID"),
                e.getMessage());
    }

    @Test
    void aReleasedPointerCannotBeUsedAgain() {
        VerifierException e = reject(acquire().jeq(Reg.R0, 0, "out").mov64(Reg.R6, Reg.R0).mov64(Reg.R1, Reg.R0)
                .callKfunc(CG_RELEASE).ldx(Size.W, Reg.R2, Reg.R6, 0).label("out").mov64(Reg.R0, 1).exit());
        assertTrue(e.getMessage().contains("R6 invalid mem access 'scalar'"), e.getMessage());
    }

    @Test
    void aScalarParameterTakesAScalar() {
        VerifierException e = reject(Asm.program().mov64(Reg.R1, Reg.R10).callKfunc(FROM_ID).mov64(Reg.R0, 1).exit());
        assertTrue(e.getMessage().contains("R1 is not a scalar"), e.getMessage());
    }

    @Test
    void anUninitialisedArgumentIsRefused() {
        VerifierException e = reject(Asm.program().call(158).callKfunc(FROM_ID).mov64(Reg.R0, 1).exit());   // the call clobbered r1
        assertTrue(e.getMessage().contains("R1 !read_ok"), e.getMessage());
    }

    @Test
    void acquireOnAnAcquiredCgroupIsASecondReference() {
        // r6 = from_id(1); r7 = acquire(r6); release(r6); [r7 may be NULL] release(r7)
        Asm both = acquire().jeq(Reg.R0, 0, "out").mov64(Reg.R6, Reg.R0).mov64(Reg.R1, Reg.R0).callKfunc(ACQUIRE)
                .mov64(Reg.R7, Reg.R0).mov64(Reg.R1, Reg.R6).callKfunc(CG_RELEASE).jeq(Reg.R7, 0, "out")
                .mov64(Reg.R1, Reg.R7).callKfunc(CG_RELEASE).label("out").mov64(Reg.R0, 1).exit();
        assertNotNull(verify(both));
        Asm leaksSecond = acquire().jeq(Reg.R0, 0, "out").mov64(Reg.R6, Reg.R0).mov64(Reg.R1, Reg.R0).callKfunc(ACQUIRE)
                .mov64(Reg.R1, Reg.R6).callKfunc(CG_RELEASE).label("out").mov64(Reg.R0, 1).exit();
        VerifierException e = reject(leaksSecond);
        assertTrue(e.getMessage().contains("alloc_insn=5") && !e.getMessage().contains("alloc_insn=1"), e.getMessage());
    }
}
