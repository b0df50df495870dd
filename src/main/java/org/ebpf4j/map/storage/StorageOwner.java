package org.ebpf4j.map.storage;

import java.util.concurrent.atomic.AtomicReference;

/**
 * An object that local storage hangs off: a socket ({@code sk->sk_bpf_storage}), a task
 * ({@code task->bpf_storage}), a cgroup ({@code cgroup->bpf_cgrp_storage}), an inode (its BPF LSM blob). The owner holds only
 * the pointer slot; everything else lives in {@link LocalStorage} (spec §1.1). Implemented by the
 * kernel model's objects through the per-type sub-interfaces {@link SkStorageOwner},
 * {@link TaskStorageOwner} and {@link CgrpStorageOwner}.
 *
 * <p>The owner's destructor must call {@link LocalStorage#destroy(StorageOwner)}
 * ({@code bpf_sk_storage_free}, {@code bpf_task_storage_free}, {@code bpf_cgrp_storage_free}).
 */
public interface StorageOwner {
    /** The owner's storage pointer: null until the first element, and again after the last goes (I2). */
    AtomicReference<LocalStorage> bpfStorage();

    /**
     * Whether a helper may still create storage here: sk {@code refcount_inc_not_zero(&sk->sk_refcnt)},
     * task {@code refcount_read(&task->usage)}, cgroup {@code !percpu_ref_is_dying()} (spec §2.2).
     */
    default boolean acceptsNewStorage() { return true; }
}
