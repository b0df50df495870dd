package org.ebpf4j.kernel.cgroup;

import org.ebpf4j.map.storage.CgroupStorageMap;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.ProgType;

/**
 * A program as the cgroup attach code sees it ({@code struct bpf_prog} through the eyes of
 * kernel/bpf/cgroup.c): its identity, type, expected attach type, a way to run it, and the
 * reference count that an attachment owns ({@code bpf_prog_inc}/{@code bpf_prog_put}).
 *
 * <p>The loaded-program object of the {@code prog} work implements this; tests use small fakes.
 */
public interface CgroupProg {
    /** The program id (what PROG_QUERY reports). */
    int id();

    ProgType type();

    /** {@code prog->expected_attach_type}; null when loaded without one. */
    AttachType expectedAttachType();

    /**
     * {@code prog->enforce_expected_attach_type}: set by the verifier for a CGROUP_SKB program whose
     * R0 is provably in [2,3] (egress-only return codes), see spec §1.2.
     */
    default boolean enforceExpectedAttachType() { return false; }

    /** {@code prog->tag} as 16 lowercase hex digits (link fdinfo). */
    String tagHex();

    /**
     * Runs the program on the context at arena address {@code ctx}; returns R0. {@code runCtx}
     * is the run's {@code bpf_cg_run_ctx}: bpf_get_retval/bpf_set_retval and
     * bpf_get_local_storage act on it. Must not throw for anything a program can do.
     */
    long run(long ctx, CgRunCtx runCtx);

    /**
     * {@code prog->aux->cgroup_storage[]}: the legacy CGROUP_STORAGE / PERCPU_CGROUP_STORAGE maps
     * the program uses, indexed by storage type (from {@link CgroupStorageMap#assign} at load), or
     * null for none. Attach makes or reuses one storage per map for the attach point (spec §6.2).
     */
    default CgroupStorageMap[] cgroupStorageMaps() { return null; }

    /** {@code bpf_prog_inc}: the caller already holds a reference. */
    void inc();

    /** {@code bpf_prog_put}. */
    void put();
}
