package org.ebpf4j.kernel.kfunc;

import static org.ebpf4j.vm.helper.KfuncProto.KF_ACQUIRE;
import static org.ebpf4j.vm.helper.KfuncProto.KF_RCU;
import static org.ebpf4j.vm.helper.KfuncProto.KF_RELEASE;
import static org.ebpf4j.vm.helper.KfuncProto.KF_RET_NULL;

import java.util.List;
import java.util.function.IntFunction;
import java.util.function.LongPredicate;
import java.util.function.LongUnaryOperator;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.BtfType;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.vm.helper.Helper;
import org.ebpf4j.vm.helper.KfuncProto;
import org.ebpf4j.vm.helper.KfuncTable;

/**
 * The kfuncs of kernel/bpf/helpers.c's {@code generic_btf_ids} set that ebpf4j implements:
 * <ul>
 *   <li>{@code struct cgroup *bpf_cgroup_from_id(u64 cgid)} (KF_ACQUIRE | KF_RET_NULL): the
 *       {@code cgroup} mirror of the online cgroup with that id, or NULL;</li>
 *   <li>{@code void bpf_cgroup_release(struct cgroup *cgrp)} (KF_RELEASE);</li>
 *   <li>{@code struct cgroup *bpf_cgroup_acquire(struct cgroup *cgrp)} (KF_ACQUIRE | KF_RCU |
 *       KF_RET_NULL): a new reference to a cgroup the program already points to, NULL once the cgroup is
 *       offline (rmdir: its self css refcount is killed);</li>
 *   <li>{@code struct task_struct *bpf_task_from_pid(s32 pid)} (KF_ACQUIRE | KF_RET_NULL): the
 *       {@code task_struct} mirror of the live task with that pid (init namespace), or NULL;</li>
 *   <li>{@code void bpf_task_release(struct task_struct *p)} (KF_RELEASE).</li>
 * </ul>
 * Each is bound to the BTF id of its FUNC in the model kernel BTF (src/main/btf/model-kernel.c),
 * which is what libbpf puts in the call's imm.
 *
 * <p>Deviation: references are not counted. The kernel's {@code cgroup_tryget}/{@code cgroup_put}
 * and {@code get_task_struct}/{@code put_task_struct} keep the object alive while a program holds
 * it; here a mirror is freed only a grace period after its owner goes, and a program runs inside
 * an RCU read section, so the pointer stays valid for the whole run without a count, and release
 * has nothing to drop. A program cannot stash the reference (no kptrs in ebpf4j), so nothing
 * observable differs.
 */
public final class GenericKfuncs {
    /** One entry of the set: {@code BTF_ID_FLAGS(func, name, flags)}. */
    record Entry(String name, int flags, Helper impl) {}

    private final List<Entry> entries;

    /**
     * @param cgroupAddress cgroup id → its {@code struct cgroup *} mirror, 0 if no online cgroup has it
     * @param cgroupAlive   whether a {@code struct cgroup *} is the mirror of an online cgroup
     * @param taskByPid     pid → the live task, null if none
     */
    public GenericKfuncs(LongUnaryOperator cgroupAddress, LongPredicate cgroupAlive, IntFunction<Task> taskByPid) {
        this.entries = List.of(
                new Entry("bpf_cgroup_from_id", KF_ACQUIRE | KF_RET_NULL,
                        (s, id, b, c, d, e) -> cgroupAddress.applyAsLong(id)),
                new Entry("bpf_cgroup_release", KF_RELEASE, (s, cg, b, c, d, e) -> 0),
                // cgroup_tryget(): fails once the cgroup is offline
                new Entry("bpf_cgroup_acquire", KF_ACQUIRE | KF_RCU | KF_RET_NULL,
                        (s, cg, b, c, d, e) -> cgroupAlive.test(cg) ? cg : 0),
                new Entry("bpf_task_from_pid", KF_ACQUIRE | KF_RET_NULL, (s, pid, b, c, d, e) -> {
                    Task t = taskByPid.apply((int) pid);       // s32 argument: the low 32 bits
                    return t == null || t.mirror() == null ? 0 : t.mirror().address();
                }),
                new Entry("bpf_task_release", KF_RELEASE, (s, p, b, c, d, e) -> 0));
    }

    /** The names of the kfuncs of this set, in registration order. */
    public List<String> names() { return entries.stream().map(Entry::name).toList(); }

    /**
     * Registers each kfunc under the id of its FUNC in {@code kernelBtf}.
     *
     * @throws IllegalStateException if the kernel BTF lacks one of them (a broken model-kernel.btf)
     */
    public void registerInto(KfuncTable table, Btf kernelBtf) {
        for (Entry e : entries) {
            int id = kernelBtf.findByName(e.name(), BtfType.Func.class).map(BtfType::id)
                    .orElseThrow(() -> new IllegalStateException("the model kernel BTF has no FUNC " + e.name()));
            table.register(new KfuncProto(id, e.name(), e.flags(), e.impl()));
        }
    }
}
