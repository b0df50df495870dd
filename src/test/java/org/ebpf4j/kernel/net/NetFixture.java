package org.ebpf4j.kernel.net;

import java.util.Set;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.Anchors;
import org.ebpf4j.kernel.cgroup.AttachFlags;
import org.ebpf4j.kernel.cgroup.Cgroup;
import org.ebpf4j.kernel.cgroup.CgroupHook;
import org.ebpf4j.kernel.cgroup.CgroupTree;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.helper.HelperTable;

/** One runtime with a cgroup tree, a network and an interpreter whose helper table has the socket helpers. */
final class NetFixture implements AutoCloseable {
    final Runtime rt = Runtime.builder().arenaSize(16 << 20).cpus(1).build();
    final CgroupTree tree = new CgroupTree(id -> rt.tasks().stream().anyMatch(t -> t.cgroupId() == id));
    final Net net = new Net(rt, tree);
    final HelperTable helpers = HelperTable.base();
    final Interpreter engine;

    NetFixture() {
        new NetHelpers(net).registerInto(helpers);
        engine = new Interpreter(rt.arena(), helpers, Set.of());
    }

    AsmProg prog(AttachType eat, String asm) {
        CgroupHook h = CgroupHook.of(eat);
        return new AsmProg(engine, h.progType(), eat, asm);
    }

    /** PROG_ATTACH with BPF_F_ALLOW_MULTI. */
    AsmProg attach(Cgroup cg, AttachType eat, String asm) {
        AsmProg p = prog(eat, asm);
        tree.bpf().attach(cg, p, null, null, CgroupHook.of(eat), AttachFlags.BPF_F_ALLOW_MULTI, 0, 0, Anchors.NONE);
        return p;
    }

    Task spawnIn(Cgroup cg, String comm) {
        Task t = rt.spawn(comm, 0, 0);
        t.setCgroupId(cg.id());
        return t;
    }

    @Override
    public void close() {
        rt.close();
    }
}
