package org.ebpf4j.map.storage;

import java.util.function.LongSupplier;
import org.ebpf4j.map.MapRegistry;

/**
 * The storage functions tracing programs may attach to (fentry/fexit on
 * {@code bpf_local_storage_update}, kernel/bpf/bpf_local_storage.c). The map layer cannot see
 * the kernel layer's trampolines, so the runtime installs one {@link Probe} per function here
 * (one instance per map registry, i.e. per runtime); the storage core calls through it.
 * Deviation kept from Linux 6.18: {@code bpf_local_storage_lookup} is inlined there and has no
 * FUNC in vmlinux BTF, so it has no probe here either.
 */
public final class StorageProbes {
    /** A traced kernel function: its trampoline. */
    public interface Probe {
        /** Whether nothing is attached (the call site then calls the body directly). */
        boolean idle();

        /** The trampoline: fentry programs, then {@code body} (unless fmod_ret says otherwise), then fexit. */
        long call(long[] args, LongSupplier body);
    }

    private volatile Probe update;

    /** The registry's probes. */
    public static StorageProbes of(MapRegistry registry) { return registry.familyState(StorageProbes.class, StorageProbes::new); }

    /** Installs the trampoline of {@code bpf_local_storage_update}. */
    public void setUpdate(Probe p) { update = p; }

    /** The trampoline of {@code bpf_local_storage_update}, or null. */
    public Probe update() { return update; }
}
