package org.ebpf4j.kernel.prog;

import static org.ebpf4j.kernel.prog.ProgFixture.expect;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.ebpf4j.elf.ObjectReader;
import org.ebpf4j.elf.ObjectSpec;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.isa.Size;
import org.ebpf4j.syscall.MapCreateAttr;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.uapi.ProgType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * BPF_PROG_LOAD in the kernel's check order. The errnos and log texts marked "observed" were
 * taken from this machine's Linux 6.18 with raw bpf(2) calls (2026-11-22).
 */
class ProgLoadTest {
    final ProgFixture f = new ProgFixture();

    @AfterEach
    void close() { f.close(); }

    static final List<Insn> RET1 = Asm.program().mov64(Reg.R0, 1).exit().build();

    ProgLoadAttr attr(ProgType t, List<Insn> insns) { return ProgLoadAttr.of(t.value(), insns, "GPL"); }

    @Test
    void attrChecksInKernelOrder() {
        // observed: insn_cnt 0 → E2BIG even with an unknown type (insn_cnt is checked first)
        expect(Errno.E2BIG, () -> f.bpf.progLoad(f.task, ProgLoadAttr.of(999, List.of(), "GPL")));
        expect(Errno.EINVAL, () -> f.bpf.progLoad(f.task, ProgLoadAttr.of(999, RET1, "GPL")));
        expect(Errno.EINVAL, () -> f.bpf.progLoad(f.task, attr(ProgType.XDP, RET1).withProgFlags(1 << 20)));
        expect(Errno.EINVAL, () -> f.bpf.progLoad(f.task, attr(ProgType.XDP, RET1).withName("bad-name")));
        expect(Errno.EFAULT, () -> f.bpf.progLoad(f.task, ProgLoadAttr.of(ProgType.XDP.value(), RET1, null)));
        // observed: CGROUP_SKB with expected_attach_type 5 → EINVAL; SYSCALL with any → EINVAL
        expect(Errno.EINVAL, () -> f.bpf.progLoad(f.task, attr(ProgType.CGROUP_SKB, RET1).withExpectedAttachType(5)));
        expect(Errno.EINVAL, () -> f.bpf.progLoad(f.task, attr(ProgType.SYSCALL, RET1).withExpectedAttachType(1)));
        // flags are checked before the program size
        expect(Errno.EINVAL, () -> f.bpf.progLoad(f.task, ProgLoadAttr.of(6, List.of(), "GPL").withProgFlags(1 << 20)));
    }

    @Test
    void cgroupSockDefaultsToSockCreate() {
        // observed: CGROUP_SOCK with expected_attach_type 0 loads (bpf_prog_load_fixup_attach_type)
        int fd = f.load(ProgType.CGROUP_SOCK, RET1);
        assertEquals(AttachType.CGROUP_INET_SOCK_CREATE, f.prog(fd).expectedAttachType());
    }

    @Test
    void logRules() {
        expect(Errno.EINVAL, () -> f.bpf.progLoad(f.task, attr(ProgType.XDP, RET1).withLog(0, new byte[64], 64)));
        expect(Errno.EINVAL, () -> f.bpf.progLoad(f.task, attr(ProgType.XDP, RET1).withLog(16, new byte[64], 64)));
        expect(Errno.EINVAL, () -> f.bpf.progLoad(f.task, attr(ProgType.XDP, RET1).withLog(1, null, 64)));
        // observed: a good program with log level 1 leaves only the statistics line
        byte[] buf = new byte[4096];
        int fd = f.bpf.progLoad(f.task, attr(ProgType.XDP, RET1).withLog(1, buf, buf.length));
        assertTrue(fd >= 3);
        assertEquals("processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n",
                cstr(buf));
        // observed: the same with a 10-byte buffer is ENOSPC, keeping the last 9 bytes "k_read 0\n"
        byte[] small = new byte[10];
        expect(Errno.ENOSPC, () -> f.bpf.progLoad(f.task, attr(ProgType.XDP, RET1).withLog(1, small, 10)));
        assertEquals("k_read 0\n", cstr(small));
    }

    @Test
    void logTooSmallBeatsVerifierError() {
        List<Insn> uninit = Asm.program().mov64(Reg.R0, Reg.R2).exit().build();
        byte[] buf = new byte[4096];
        // observed: EACCES with "R2 !read_ok" in the log
        var e = expect(Errno.EACCES, () -> f.bpf.progLoad(f.task, attr(ProgType.XDP, uninit).withLog(1, buf, buf.length)));
        assertTrue(cstr(buf).contains("R2 !read_ok"), cstr(buf));
        assertTrue(e.getMessage().contains("R2 !read_ok"));
        // observed: with a 10-byte buffer the error becomes ENOSPC; BPF_LOG_FIXED keeps the head
        byte[] small = new byte[10];
        expect(Errno.ENOSPC, () -> f.bpf.progLoad(f.task, attr(ProgType.XDP, uninit).withLog(1 | 8, small, 10)));
        assertEquals("0: R2 !re", cstr(small));
    }

    @Test
    void helperChecks() {
        byte[] buf = new byte[4096];
        List<Insn> adjustHead = Asm.program().call(44).exit().build();
        // observed text
        expect(Errno.EINVAL, () -> f.bpf.progLoad(f.task, attr(ProgType.SOCKET_FILTER, adjustHead).withLog(1, buf, buf.length)));
        assertTrue(cstr(buf).contains("program of this type cannot use helper bpf_xdp_adjust_head#44"), cstr(buf));
        List<Insn> unknown = Asm.program().call(250).exit().build();
        var e = expect(Errno.EINVAL, () -> f.load(ProgType.SOCKET_FILTER, unknown));
        assertTrue(e.getMessage().contains("invalid func unknown#250"), e.getMessage());
        // observed: probe_read_kernel from an "MIT" program
        List<Insn> probe = Asm.program().mov64(Reg.R1, Reg.R10).add64(Reg.R1, -8).mov64(Reg.R2, 8).mov64(Reg.R3, 0)
                .call(113).exit().build();
        var g = expect(Errno.EINVAL, () -> f.bpf.progLoad(f.task, ProgLoadAttr.of(ProgType.SOCKET_FILTER.value(), probe, "MIT")));
        assertTrue(g.getMessage().contains("cannot call GPL-restricted function from non-GPL compatible program"));
        assertTrue(f.bpf.progLoad(f.task, ProgLoadAttr.of(ProgType.SOCKET_FILTER.value(), probe, "Dual BSD/GPL")) >= 3);
    }

    @Test
    void contextAccessChecks() {
        List<Insn> store = Asm.program().st(Size.W, Reg.R1, 0, 1).mov64(Reg.R0, 1).exit().build();
        // observed: both EACCES "invalid bpf_context access off=0 size=4"
        var e = expect(Errno.EACCES, () -> f.load(ProgType.XDP, store));
        assertTrue(e.getMessage().contains("invalid bpf_context access off=0 size=4"), e.getMessage());
        expect(Errno.EACCES, () -> f.load(ProgType.CGROUP_SKB, store));
        // observed: cgroup_skb may not read wire_len (off 160)
        List<Insn> wire = Asm.program().ldx(Size.W, Reg.R0, Reg.R1, 160).mov64(Reg.R0, 1).exit().build();
        var w = expect(Errno.EACCES, () -> f.load(ProgType.CGROUP_SKB, wire));
        assertTrue(w.getMessage().contains("off=160 size=4"));
        // but mark may be written, and tc may read wire_len
        assertTrue(f.load(ProgType.CGROUP_SKB, Asm.program().st(Size.W, Reg.R1, 8, 42).mov64(Reg.R0, 1).exit().build()) >= 3);
        assertTrue(f.load(ProgType.SCHED_CLS, wire) >= 3);
        // a modified context pointer cannot be dereferenced
        List<Insn> moved = Asm.program().add64(Reg.R1, 4).ldx(Size.W, Reg.R0, Reg.R1, 0).exit().build();
        var m = expect(Errno.EACCES, () -> f.load(ProgType.XDP, moved));
        assertTrue(m.getMessage().contains("dereference of modified ctx ptr"), m.getMessage());
    }

    @Test
    void packetPointerLoadsAreRewrittenThroughCopiesAndSpills() {
        // r6 = r1; spill r6; fill into r7; r0 = *(u32 *)(r7 + data_end)
        List<Insn> p = Asm.program().mov64(Reg.R6, Reg.R1).stx(Size.DW, Reg.R10, -8, Reg.R6)
                .ldx(Size.DW, Reg.R7, Reg.R10, -8).ldx(Size.W, Reg.R0, Reg.R7, 4).exit().build();
        int fd = f.load(ProgType.XDP, p);
        Insn rewritten = f.prog(fd).xlated().get(3);
        assertEquals(org.ebpf4j.memory.XdpMdLayout.KERN_DATA_END, rewritten.off());
        assertEquals(8, org.ebpf4j.isa.Opcodes.sizeBytes(rewritten.opcode()));
        // u16 loads of data are refused, as the kernel refuses narrow pointer loads
        List<Insn> narrow = Asm.program().ldx(Size.H, Reg.R0, Reg.R1, 0).exit().build();
        expect(Errno.EACCES, () -> f.load(ProgType.XDP, narrow));
    }

    @Test
    void tagIsTheKernels() throws Exception {
        // observed: bpftool prog show of examples/sieve/sieve.bpf.o gave tag 77c50b5a686699db
        ObjectSpec spec = ObjectReader.read(Path.of("examples/sieve/sieve.bpf.o"));
        int fd = f.load(ProgType.XDP, spec.program("sieve").orElseThrow().insns());
        ProgInfo info = (ProgInfo) f.bpf.objGetInfoByFd(f.task, fd);
        assertEquals("77c50b5a686699db", info.tagHex());
        assertEquals(840, info.xlatedProgLen());
        assertEquals(ProgType.XDP, info.type());
        assertTrue(info.id() > 0);
    }

    @Test
    void mapReferencesAreResolvedAndHeld() {
        int map = f.bpf.mapCreate(f.task, MapCreateAttr.of(MapType.ARRAY, 4, 8, 1, 0));
        int hash = f.bpf.mapCreate(f.task, MapCreateAttr.of(MapType.HASH, 4, 8, 4, 0));
        var mapObj = f.rt.mapIds().get(f.rt.mapIds().nextId(0));
        int mapId = mapObj.id();
        // r0 = *(u64 *)(&value[0] + 0), twice the same map: one reference
        List<Insn> p = Asm.program().ldMapValue(Reg.R1, map, 0).ldMapFd(Reg.R2, map)
                .ldx(Size.DW, Reg.R0, Reg.R1, 0).exit().build();
        long before = mapObj.refcnt();
        int fd = f.load(ProgType.XDP, p);
        assertEquals(before + 1, mapObj.refcnt());
        assertEquals(List.of(mapId), ((ProgInfo) f.bpf.objGetInfoByFd(f.task, fd)).mapIds());
        // the map outlives its last fd while the program holds it ...
        f.task.fds().close(map);
        f.rt.barrier();
        assertNotNull(f.rt.mapIds().get(mapId));
        assertTrue(mapObj.alive());
        // ... and dies with the program
        f.task.fds().close(fd);
        f.rt.barrier();
        assertNull(f.rt.mapIds().get(mapId));
        assertFalse(mapObj.alive());
        // value pointers need a map with direct value access, in range
        var e = expect(Errno.EINVAL, () -> f.load(ProgType.XDP, Asm.program().ldMapValue(Reg.R1, hash, 0).mov64(Reg.R0, 0).exit().build()));
        assertTrue(e.getMessage().contains("no direct value access support"), e.getMessage());
        int arr = f.bpf.mapCreate(f.task, MapCreateAttr.of(MapType.ARRAY, 4, 8, 1, 0));
        expect(Errno.EINVAL, () -> f.load(ProgType.XDP, Asm.program().ldMapValue(Reg.R1, arr, 8).mov64(Reg.R0, 0).exit().build()));
        expect(Errno.EBADF, () -> f.load(ProgType.XDP, Asm.program().ldMapFd(Reg.R1, 99).mov64(Reg.R0, 0).exit().build()));
        expect(Errno.EPROTO, () -> f.load(ProgType.XDP, Asm.program().ldMapIdx(Reg.R1, 0).mov64(Reg.R0, 0).exit().build()));
        int viaIdx = f.bpf.progLoad(f.task, attr(ProgType.XDP, Asm.program().ldMapIdx(Reg.R1, 0).mov64(Reg.R0, 0).exit().build())
                .withFdArray(new int[] {arr}));
        assertTrue(viaIdx >= 3);
        // a failed load leaves no reference behind
        var arrObj = f.rt.mapIds().get(f.rt.mapIds().snapshot().stream().mapToInt(m -> m.id()).max().orElseThrow());
        long refs = arrObj.refcnt();
        expect(Errno.EACCES, () -> f.load(ProgType.XDP, Asm.program().ldMapFd(Reg.R1, arr).mov64(Reg.R0, Reg.R3).exit().build()));
        f.rt.barrier();
        assertEquals(refs, arrObj.refcnt());
    }

    @Test
    void progIdGoesWithTheLastReference() {
        int fd = f.load(ProgType.XDP, RET1);
        int id = f.prog(fd).id();
        assertSame(f.prog(fd), f.rt.progIds().get(id));
        f.task.fds().close(fd);
        assertNull(f.rt.progIds().get(id));
    }

    static String cstr(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }
}
