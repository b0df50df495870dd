package org.ebpf4j.syscall;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.prog.ProgLoadAttr;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.ProgType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * spec-cgroup-attach-link.md §13 "Effective/run": recvmsg/getpeername programs must return 1 and
 * the load rejects otherwise; bind may return 0..3; egress 0..3, ingress 0..1 (the verifier's
 * check_return_code, kernel/bpf/verifier.c).
 */
class ReturnRangeLoadTest {
    final Runtime rt = Runtime.builder().arenaSize(16 << 20).cpus(1).build();
    final Bpf bpf = new KernelBpf(rt);
    final Task task = rt.spawn("loader", 0, 0);

    @AfterEach
    void close() { rt.close(); }

    static List<Insn> returning(int v) { return Asm.program().mov64(Reg.R0, v).exit().build(); }

    int load(ProgType type, AttachType eat, int ret) {
        return bpf.progLoad(task, ProgLoadAttr.of(type.value(), returning(ret), "GPL").withExpectedAttachType(eat.value()));
    }

    void refused(ProgType type, AttachType eat, int ret) {
        BpfException e = assertThrows(BpfException.class, () -> load(type, eat, ret), eat + " returning " + ret);
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("At program exit the register R0"), e.getMessage());
    }

    @Test
    void recvmsgAndGetpeernameMustReturnOne() {
        for (AttachType eat : new AttachType[] {AttachType.CGROUP_UDP4_RECVMSG, AttachType.CGROUP_UDP6_RECVMSG,
                AttachType.CGROUP_INET4_GETPEERNAME, AttachType.CGROUP_INET6_GETSOCKNAME}) {
            assertTrue(load(ProgType.CGROUP_SOCK_ADDR, eat, 1) > 0, eat.name());
            refused(ProgType.CGROUP_SOCK_ADDR, eat, 0);
        }
    }

    @Test
    void bindMayReturnThreeConnectOnlyZeroOrOne() {
        assertTrue(load(ProgType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_BIND, 3) > 0);
        refused(ProgType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_BIND, 4);
        assertTrue(load(ProgType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_CONNECT, 0) > 0);
        refused(ProgType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_CONNECT, 2);
    }

    @Test
    void egressMayReturnCongestionBitsIngressMayNot() {
        assertTrue(load(ProgType.CGROUP_SKB, AttachType.CGROUP_INET_EGRESS, 3) > 0);
        refused(ProgType.CGROUP_SKB, AttachType.CGROUP_INET_INGRESS, 2);
    }
}
