package org.ebpf4j.kernel.prog;

import static org.junit.jupiter.api.Assertions.*;

import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.kernel.cgroup.CgRunCtx;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.link.CgroupAttachCommands;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.ProgType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A PROG_LOAD'ed program is what the cgroup attach code attaches, queries and runs. */
class CgroupAttachTest {
    final ProgFixture f = new ProgFixture();

    @AfterEach
    void close() { f.close(); }

    @Test
    void loadedProgramAttachesToACgroup() {
        int fd = f.bpf.progLoad(f.task, ProgLoadAttr.of(ProgType.CGROUP_SKB.value(),
                Asm.program().mov64(Reg.R0, 1).exit().build(), "GPL").withExpectedAttachType(AttachType.CGROUP_INET_EGRESS.value()));
        BpfProg prog = f.prog(fd);
        CgroupAttachCommands cg = new CgroupAttachCommands(f.rt);
        int cgFd = cg.openCgroup(f.task, "/");
        cg.progAttach(f.task, Attrs.ProgAttach.of(cgFd, fd, AttachType.CGROUP_INET_EGRESS.value(), 0));
        Attrs.ProgQueryOut q = cg.progQuery(f.task, Attrs.ProgQuery.of(cgFd, AttachType.CGROUP_INET_EGRESS.value(), 0, 4));
        assertEquals(1, q.progCnt());
        assertEquals(prog.id(), q.progIds()[0]);
        assertEquals(16, prog.tagHex().length());
        assertEquals(ProgType.CGROUP_SKB, prog.type());
        // the attachment holds a reference: closing the fd keeps the program
        long refs = prog.refcnt();
        f.task.fds().close(fd);
        assertEquals(refs - 1, prog.refcnt());
        assertTrue(prog.alive());
        assertEquals(1, prog.run(0, new CgRunCtx(0)));
    }
}
