package org.ebpf4j.host;

import static org.ebpf4j.isa.Opcodes.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.uapi.ProgType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * bpf(2) through FFM against this machine's kernel (kernel-observed-6.18.md "Java 25 FFM →
 * bpf(2): works"). Skipped, with the reason, where the kernel refuses bpf().
 */
class HostBpfTest {
    static HostBpf bpf;

    @BeforeAll
    static void open() {
        bpf = HostTests.hostOrSkip();
    }

    static byte[] le(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    @Test
    void hashMapCreateUpdateLookupDelete() {
        int fd = bpf.mapCreate(MapCreate.of(MapType.HASH, 4, 8, 16, 0, "ebpf4j_t_hash"));
        try {
            assertTrue(fd > 2, "a new fd");
            bpf.mapUpdateElem(fd, le(7), le64(42), 0);
            assertArrayEquals(le64(42), bpf.mapLookupElem(fd, le(7), 8));
            BpfException missing = assertThrows(BpfException.class, () -> bpf.mapLookupElem(fd, le(8), 8));
            assertEquals(Errno.ENOENT, missing.errno());
            // BPF_NOEXIST on an existing key: EEXIST, as Linux's htab_map_update_elem
            BpfException exists = assertThrows(BpfException.class, () -> bpf.mapUpdateElem(fd, le(7), le64(1), 1));
            assertEquals(Errno.EEXIST, exists.errno());
            bpf.mapDeleteElem(fd, le(7));
            assertEquals(Errno.ENOENT, assertThrows(BpfException.class, () -> bpf.mapLookupElem(fd, le(7), 8)).errno());
        } finally {
            bpf.close(fd);
        }
    }

    @Test
    void badMapCreateGivesTheKernelsErrno() {
        // an ARRAY needs 4-byte keys: array_map_alloc_check → EINVAL
        BpfException e = assertThrows(BpfException.class,
                () -> bpf.mapCreate(MapCreate.of(MapType.ARRAY, 8, 8, 1, 0, "bad")));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("map_create ARRAY"), e.getMessage());
    }

    @Test
    void twoInstructionProgramTestRun() {
        List<Insn> prog = List.of(Insn.of(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1), Insn.of(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
        int fd = bpf.progLoad(new ProgLoad(ProgType.CGROUP_SKB, prog, "GPL", "ret1", AttachType.CGROUP_INET_EGRESS, 0, 0, 0, List.of()));
        try {
            byte[] frame = HostTests.ipv4UdpFrame(64);
            TestRun.Result r = bpf.progTestRun(TestRun.ofData(fd, frame, 1000));
            assertEquals(1, r.retval());
            assertTrue(r.durationNs() >= 0);
            // cgroup_skb sees the packet from the network header: the kernel hands back the frame
            // with its IP header and payload as given (the Ethernet header is not the program's)
            assertEquals(frame.length, r.dataOut().length);
            assertArrayEquals(java.util.Arrays.copyOfRange(frame, 14, frame.length),
                    java.util.Arrays.copyOfRange(r.dataOut(), 14, frame.length));
        } finally {
            bpf.close(fd);
        }
    }

    @Test
    void refusedProgramCarriesTheVerifierLog() {
        // r0 is never written: the verifier says "R0 !read_ok"
        List<Insn> prog = List.of(Insn.of(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
        BpfException e = assertThrows(BpfException.class, () -> bpf.progLoad(ProgLoad.of(ProgType.SOCKET_FILTER, prog, "GPL")));
        assertEquals(Errno.EACCES, e.errno());
        assertTrue(e.getMessage().contains("R0 !read_ok"), e.getMessage());
    }

    @Test
    void closingTwiceIsEbadf() {
        int fd = bpf.mapCreate(MapCreate.of(MapType.ARRAY, 4, 4, 1, 0, "ebpf4j_t_arr"));
        bpf.close(fd);
        // nothing else in this JVM opens fds concurrently in this test class, but another test
        // class might reuse the number at once; only assert the errno when the close fails
        try {
            bpf.close(fd);
        } catch (BpfException e) {
            assertEquals(Errno.EBADF, e.errno());
        }
    }

    @Test
    void enableStatsGivesAnFd() {
        int fd = bpf.enableStats(HostBpf.BPF_STATS_RUN_TIME);
        assertTrue(fd > 2);
        bpf.close(fd);
    }

}
