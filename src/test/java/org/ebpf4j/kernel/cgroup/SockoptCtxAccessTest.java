package org.ebpf4j.kernel.cgroup;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.isa.Size;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.prog.CtxAccess;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.syscall.CgroupProgs;
import org.ebpf4j.syscall.KernelBpf;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.ProgType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code cg_sockopt_is_valid_access} (kernel/bpf/cgroup.c) for struct bpf_sockopt. Found by the
 * host differential run (HostScenarioDiffTest, sockopt_sk.yaml): clang merged
 * {@code ctx->optlen = 4; ctx->retval = 0;} into one 8-byte store at optlen, which Linux 6.18
 * refuses ("invalid bpf_context access off=32 size=8") and the model used to accept.
 */
class SockoptCtxAccessTest {
    final CtxAccess get = CtxAccess.sockopt(true);
    final CtxAccess set = CtxAccess.sockopt(false);
    final Runtime rt = Runtime.builder().arenaSize(8L << 20).cpus(1).build();
    final Bpf bpf = new KernelBpf(rt);
    final Task task = rt.spawn("t", 0, 0);

    @AfterEach
    void close() { rt.close(); }

    @Test
    void fieldRules() {
        assertEquals(40, get.ctxSize());
        assertNotNull(get.check(0, 8, false), "sk");
        assertNull(get.check(0, 4, false), "pointers are read whole");
        assertNotNull(get.check(16, 8, false), "optval_end");
        assertNotNull(get.check(24, 4, false), "level");
        assertNull(get.check(24, 2, false), "no narrow read");
        assertNull(get.check(32, 8, true), "the merged optlen+retval store");
        assertNull(get.check(32, 8, false), "nor an 8-byte read there");
        assertNotNull(get.check(32, 4, true), "optlen");
        assertNotNull(get.check(36, 4, true), "retval in getsockopt");
        assertNull(set.check(36, 4, true), "not in setsockopt");
        assertNull(set.check(36, 4, false), "nor read there");
        assertNotNull(set.check(24, 4, true), "level in setsockopt");
        assertNotNull(set.check(28, 4, true), "optname in setsockopt");
        assertNull(get.check(24, 4, true), "not in getsockopt");
        assertNull(get.check(8, 8, true), "optval pointer is read-only");
        assertNull(get.check(40, 4, false), "past the struct");
    }

    int load(AttachType at, List<Insn> insns) {
        return CgroupProgs.load(bpf, task, ProgType.CGROUP_SOCKOPT, at, insns);
    }

    @Test
    void verifierAppliesThem() {
        assertTrue(load(AttachType.CGROUP_GETSOCKOPT, Asm.program().mov64(Reg.R2, 4).stx(Size.W, Reg.R1, 32, Reg.R2)
                .stx(Size.W, Reg.R1, 36, Reg.R2).mov64(Reg.R0, 1).exit().build()) > 0, "two 4-byte stores load");
        BpfException e = assertThrows(BpfException.class, () -> load(AttachType.CGROUP_GETSOCKOPT,
                Asm.program().mov64(Reg.R2, 4).stx(Size.DW, Reg.R1, 32, Reg.R2).mov64(Reg.R0, 1).exit().build()));
        assertEquals(Errno.EACCES, e.errno(), e.getMessage());
        e = assertThrows(BpfException.class, () -> load(AttachType.CGROUP_SETSOCKOPT,
                Asm.program().mov64(Reg.R2, 0).stx(Size.W, Reg.R1, 36, Reg.R2).mov64(Reg.R0, 1).exit().build()));
        assertEquals(Errno.EACCES, e.errno(), "retval in a setsockopt program: " + e.getMessage());
    }
}
