package org.ebpf4j.kernel.prog;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.host.HostBpf;
import org.ebpf4j.host.HostUnavailableException;
import org.ebpf4j.host.ProgLoad;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.syscall.KernelBpf;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.ProgType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Which packet program types may call the socket and skb helpers of {@code kernel.net.NetHelpers}
 * and sk storage ({@code sk_filter_func_proto}, {@code tc_cls_act_func_proto},
 * {@code cg_skb_func_proto}, {@code xdp_func_proto} in net/core/filter.c): {@link ProgTypes}
 * answers, our BPF_PROG_LOAD refuses what it says no to, and (where this machine's kernel lets
 * us load programs) the kernel's verifier gives the same answer for every pair.
 */
class SkbHelperProtoTest {
    /** NetHelpers' ids, sk storage get/delete, and skb_load_bytes_relative beside skb_load_bytes. */
    static final int[] HELPERS = {26, 68, 46, 47, 49, 57, 59, 64, 79, 80, 95, 96, 107, 108, 122, 128};
    static final ProgType[] TYPES = {ProgType.SOCKET_FILTER, ProgType.SCHED_CLS, ProgType.SCHED_ACT, ProgType.CGROUP_SKB,
                                     ProgType.XDP, ProgType.LWT_IN, ProgType.LWT_OUT, ProgType.LWT_XMIT, ProgType.SK_SKB};

    static AttachType eat(ProgType t) { return t == ProgType.CGROUP_SKB ? AttachType.CGROUP_INET_EGRESS : null; }

    /** r1 = ctx, r2..r5 = 0, call id, return 0: the verifier asks get_func_proto before it looks at arguments. */
    static List<Insn> calling(int id) {
        return Asm.program().mov64(Reg.R2, 0).mov64(Reg.R3, 0).mov64(Reg.R4, 0).mov64(Reg.R5, 0).call(id)
                .mov64(Reg.R0, 0).exit().build();
    }

    @Test
    void theKernelsChoiceForTheSkbHelpers() {
        // spot checks of the table against net/core/filter.c (6.18)
        for (ProgType t : new ProgType[] {ProgType.SOCKET_FILTER, ProgType.SCHED_CLS, ProgType.CGROUP_SKB}) {
            assertTrue(ProgTypes.allowsHelper(t, eat(t), 26), t + " may call bpf_skb_load_bytes");
            assertTrue(ProgTypes.allowsHelper(t, eat(t), 46), t + " may call bpf_get_socket_cookie");
        }
        assertFalse(ProgTypes.allowsHelper(ProgType.XDP, null, 26), "xdp has bpf_xdp_load_bytes, not skb's");
        assertTrue(ProgTypes.allowsHelper(ProgType.CGROUP_SKB, AttachType.CGROUP_INET_EGRESS, 107));
        assertFalse(ProgTypes.allowsHelper(ProgType.SOCKET_FILTER, null, 107), "sk storage is cgroup_skb's, not sk_filter's");
        assertFalse(ProgTypes.allowsHelper(ProgType.SOCKET_FILTER, null, 95));
        assertTrue(ProgTypes.allowsHelper(ProgType.SCHED_CLS, null, 95));
    }

    @Test
    void ourLoaderRefusesWhatTheTypeDoesNotOffer() {
        try (Runtime rt = Runtime.builder().build()) {
            Task task = rt.spawn("loader", 0, 0);
            Bpf bpf = new KernelBpf(rt);
            int refused = 0;
            for (ProgType t : TYPES) {
                for (int id : HELPERS) {
                    ProgLoadAttr a = new ProgLoadAttr(t.value(), calling(id), "GPL", 0, null, 0, 0, 0, "h" + id, 0,
                            eat(t) == null ? 0 : eat(t).value(), 0, 0, 0, null);
                    boolean allowed = ProgTypes.allowsHelper(t, eat(t), id);
                    try {
                        int fd = bpf.progLoad(task, a);
                        task.fds().close(fd);
                        assertTrue(allowed, t + " loaded a call of helper " + id + " that ProgTypes says it lacks");
                    } catch (BpfException e) {
                        if (!allowed) {
                            assertEquals(Errno.EINVAL, e.errno(), t + " helper " + id + ": " + e.getMessage());
                            refused++;
                        }
                        // an allowed helper may still be refused for its arguments (r2..r5 = 0): not this test's business
                    }
                }
            }
            assertTrue(refused > 10, "the matrix has refusals: " + refused);
        }
    }

    /** r0 = the u32 bpf_skb_load_bytes(skb, off, fp-8, 4) read, or 0xdead if it failed. */
    /** r0 = (the u32 bpf_skb_load_bytes reads at {@code off}) == {@code expected}. */
    static List<Insn> loadWordEquals(int off, int expected) {
        return Asm.program().mov64(Reg.R2, off).mov64(Reg.R3, Reg.R10).add64(Reg.R3, -8).mov64(Reg.R4, 4).call(26)
                .jne(Reg.R0, 0, "no").ldx(org.ebpf4j.isa.Size.W, Reg.R0, Reg.R10, -8).jne(Reg.R0, expected, "no")
                .mov64(Reg.R0, 1).exit().label("no").mov64(Reg.R0, 0).exit().build();
    }

    static List<Insn> loadWord(int off) {
        return Asm.program().mov64(Reg.R2, off).mov64(Reg.R3, Reg.R10).add64(Reg.R3, -8).mov64(Reg.R4, 4).call(26)
                .mov64(Reg.R1, 0xdead).jne(Reg.R0, 0, "fail").ldx(org.ebpf4j.isa.Size.W, Reg.R0, Reg.R10, -8).exit()
                .label("fail").mov64(Reg.R0, Reg.R1).exit().build();
    }

    @Test
    void skbLoadBytesReadsFromSkbDataInEveryTypeThatHasIt() {
        try (Runtime rt = Runtime.builder().build()) {
            Task task = rt.spawn("loader", 0, 0);
            Bpf bpf = new KernelBpf(rt);
            byte[] frame = TestRunTest.frame();
            // socket filter and cgroup_skb see the packet from the IP header, tc from the Ethernet header
            int[][] cases = {{ProgType.SOCKET_FILTER.value(), 0, 0x32000045}, {ProgType.CGROUP_SKB.value(), 0, 0x32000045},
                             {ProgType.SCHED_CLS.value(), 12, 0x00450008}, {ProgType.SCHED_CLS.value(), 61, 0xdead}};
            for (int[] c : cases) {
                ProgType t = ProgType.of(c[0]);
                // cgroup_skb may only return 0/1 (Linux's verifier checks it): it answers "word == expected"
                boolean cg = t == ProgType.CGROUP_SKB;
                int fd = bpf.progLoad(task, new ProgLoadAttr(c[0], cg ? loadWordEquals(c[1], c[2]) : loadWord(c[1]), "GPL",
                        0, null, 0, 0, 0, "lw", 0, eat(t) == null ? 0 : eat(t).value(), 0, 0, 0, null));
                int r = bpf.progTestRun(task, TestRunAttr.ofData(fd, frame, 1)).retval();
                assertEquals(cg ? 1 : c[2], r, t + " load at " + c[1]);
                task.fds().close(fd);
            }
        }
    }

    @Test
    void sameAnswerAsThisMachinesKernel() {
        HostBpf host;
        try {
            host = HostBpf.open();
        } catch (HostUnavailableException e) {
            Assumptions.abort("host kernel unavailable: " + e.getMessage());
            return;
        }
        List<String> differ = new ArrayList<>();
        for (ProgType t : TYPES) {
            for (int id : HELPERS) {
                boolean kernel = kernelOffers(host, t, id);
                if (kernel != ProgTypes.allowsHelper(t, eat(t), id)) {
                    differ.add(t + " helper " + id + ": kernel " + (kernel ? "offers" : "refuses") + " it");
                }
            }
        }
        assertEquals(List.of(), differ);
    }

    /** Whether the kernel's get_func_proto answers: a refusal naming "unknown func" or "cannot use helper" says no. */
    static boolean kernelOffers(HostBpf host, ProgType t, int id) {
        try {
            host.close(host.progLoad(new ProgLoad(t, calling(id), "GPL", "h" + id, eat(t), 0, 0, 0, null)));
            return true;
        } catch (BpfException e) {
            String m = e.getMessage();
            return !(m.contains("unknown func") || m.contains("cannot use helper"));
        }
    }
}
