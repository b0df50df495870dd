package org.ebpf4j.kernel.prog;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.isa.Size;
import org.ebpf4j.syscall.MapCreateAttr;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.uapi.ProgType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * BPF_PROG_TEST_RUN of a program using legacy cgroup storage (net/bpf/test_run.c
 * {@code bpf_test_run}: {@code bpf_cgroup_storages_alloc} before the runs, free after):
 * {@code bpf_get_local_storage} gives a fresh zeroed storage per call, shared by its repeats.
 */
class TestRunCgroupStorageTest {
    final ProgFixture f = new ProgFixture();

    @AfterEach
    void close() { f.close(); }

    /**
     * cb[0] = ++*bpf_get_local_storage(map, 0); return 1 (cgroup_skb may only return 0/1, so the
     * count comes back through ctx_out, as TestRunTest.resultInCb does).
     */
    static List<Insn> bump(int mapFd) {
        return TestRunTest.resultInCb(Asm.program().ldMapFd(Reg.R1, mapFd).mov64(Reg.R2, 0).call(81).mov64(Reg.R1, 1)
                .atomicAdd(Size.DW, Reg.R0, 0, Reg.R1).ldx(Size.DW, Reg.R0, Reg.R0, 0).exit().build());
    }

    /** The count cb[0] holds after a TEST_RUN call of {@code repeat} runs. */
    int count(int fd, int repeat) {
        org.ebpf4j.kernel.prog.TestRunResult r = f.bpf.progTestRun(f.task, TestRunAttr.ofData(fd, TestRunTest.frame(), repeat)
                .withCtx(new byte[org.ebpf4j.memory.SkBuffLayout.SIZE], org.ebpf4j.memory.SkBuffLayout.SIZE));
        assertEquals(1, r.retval());
        return java.nio.ByteBuffer.wrap(r.ctxOut(), org.ebpf4j.memory.SkBuffLayout.CB, 4)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
    }

    int storageMap(MapType type) {
        return f.bpf.mapCreate(f.task, new MapCreateAttr(type.value(), 16, 8, 0, 0, 0, 0, "cg_storage", 0, 0, 0, 0, 0, 0));
    }

    @Test
    void eachCallHasItsOwnStorageSharedByItsRepeats() {
        for (MapType t : new MapType[] {MapType.CGROUP_STORAGE, MapType.PERCPU_CGROUP_STORAGE}) {
            int map = storageMap(t);
            int fd = f.load(ProgType.CGROUP_SKB, bump(map));
            assertEquals(5, count(fd, 5), t.name());
            assertEquals(3, count(fd, 3), t + ": a new call starts from zero");
            assertEquals(1, count(fd, 0),
                    t + ": repeat 0 runs once");
            f.task.fds().close(fd);
            f.task.fds().close(map);
        }
        f.rt.barrier();
        assertEquals(List.of(), f.rt.leaks());
    }
}
