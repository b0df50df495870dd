package org.ebpf4j.kernel.cgroup;

import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.StructLayout;

/**
 * Where the fields of {@code struct cgroup}, {@code struct kernfs_node} and {@code struct css_set}
 * sit in the model kernel's BTF ({@code src/main/btf/model-kernel.c}; Linux's
 * include/linux/cgroup-defs.h and kernfs.h): {@link CgroupMirror} writes there, so that
 * {@code task->cgroups->dfl_cgrp->kn->id} read by a CO-RE-relocated program is the cgroup id.
 * A field missing from the BTF fails at construction, naming it.
 */
public final class CgroupLayout {
    public final int cgroupSize, self, selfCgroup, selfId, selfSerialNr, selfParent, level, maxDepth, kn, ancestors;
    public final int knSize, knCount, knParent, knName, knFlags, knMode, knId;
    public final int cssSetSize, cssSetRefcount, cssSetDomCset, cssSetDflCgrp, cssSetNrTasks;

    public CgroupLayout(Btf btf) {
        StructLayout c = StructLayout.of(btf, "cgroup");
        cgroupSize = c.size();
        self = c.offset("self");
        selfCgroup = c.offset("self.cgroup");
        selfId = c.offset("self.id");
        selfSerialNr = c.offset("self.serial_nr");
        selfParent = c.offset("self.parent");
        level = c.offset("level");
        maxDepth = c.offset("max_depth");
        kn = c.offset("kn");
        ancestors = c.offset("ancestors");
        StructLayout k = StructLayout.of(btf, "kernfs_node");
        knSize = k.size();
        knCount = k.offset("count");
        knParent = k.offset("__parent");
        knName = k.offset("name");
        knFlags = k.offset("flags");
        knMode = k.offset("mode");
        knId = k.offset("id");
        StructLayout s = StructLayout.of(btf, "css_set");
        cssSetSize = s.size();
        cssSetRefcount = s.offset("refcount");
        cssSetDomCset = s.offset("dom_cset");
        cssSetDflCgrp = s.offset("dfl_cgrp");
        cssSetNrTasks = s.offset("nr_tasks");
    }
}
