package org.ebpf4j.kernel.sysctl;

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

/** {@code sysctl_is_valid_access} (kernel/bpf/cgroup.c): which loads and stores of {@code struct bpf_sysctl} load. */
class SysctlCtxAccessTest {
    final CtxAccess acc = new SysctlCtxAccess();
    final Runtime rt = Runtime.builder().arenaSize(8L << 20).cpus(1).build();
    final Bpf bpf = new KernelBpf(rt);
    final Task task = rt.spawn("t", 0, 0);

    @AfterEach
    void close() { rt.close(); }

    @Test
    void fieldRules() {
        assertEquals(8, acc.ctxSize());
        assertNotNull(acc.check(0, 4, false), "read write");
        assertNotNull(acc.check(2, 2, false), "narrow read of write");
        assertNotNull(acc.check(7, 1, false), "narrow read of file_pos");
        assertNull(acc.check(0, 4, true), "write is read only");
        assertNotNull(acc.check(4, 4, true), "file_pos is writable as a u32");
        assertNull(acc.check(4, 2, true), "but not narrower");
        // checked on this machine's 6.18 with bpftool prog load: off=0 size=4 and off=6 size=2 stores
        // are "invalid bpf_context access", a 1-byte read at off=5 loads
        assertNull(acc.check(6, 2, true));
        assertNotNull(acc.check(5, 1, false));
        assertNull(acc.check(0, 8, false), "no 8-byte access");
        assertNull(acc.check(8, 4, false), "past the struct");
        assertNull(acc.check(1, 2, false), "misaligned");
        assertNull(acc.check(-4, 4, false));
    }

    int load(List<Insn> insns) {
        return CgroupProgs.load(bpf, task, ProgType.CGROUP_SYSCTL, AttachType.CGROUP_SYSCTL, insns);
    }

    @Test
    void verifierAppliesThem() {
        assertTrue(load(Asm.program().mov64(Reg.R2, 3).stx(Size.W, Reg.R1, 4, Reg.R2).mov64(Reg.R0, 1).exit().build()) > 0,
                "ctx->file_pos = 3 loads");
        BpfException e = assertThrows(BpfException.class,
                () -> load(Asm.program().mov64(Reg.R2, 1).stx(Size.W, Reg.R1, 0, Reg.R2).mov64(Reg.R0, 1).exit().build()));
        assertEquals(Errno.EACCES, e.errno(), "ctx->write = 1: " + e.getMessage());
    }
}
