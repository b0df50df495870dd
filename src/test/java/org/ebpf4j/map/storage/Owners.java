package org.ebpf4j.map.storage;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Minimal owners for tests and benchmarks: a socket with an option-memory account, a task, a cgroup, an inode. */
public final class Owners {
    private Owners() {}

    /** Linux 6.18's default {@code net.core.optmem_max} (observed on this machine). */
    public static final int OPTMEM_MAX = 131072;

    public static class Sock implements SkStorageOwner {
        private final AtomicReference<LocalStorage> storage = new AtomicReference<>();
        private final AtomicInteger omem = new AtomicInteger();
        volatile int optmemMax = OPTMEM_MAX;
        volatile boolean fullsock = true;
        volatile boolean alive = true;

        @Override public AtomicReference<LocalStorage> bpfStorage() { return storage; }
        @Override public boolean fullsock() { return fullsock; }
        @Override public int omemAlloc() { return omem.get(); }
        @Override public void omemAdd(int delta) { omem.addAndGet(delta); }
        @Override public int optmemMax() { return optmemMax; }
        @Override public boolean acceptsNewStorage() { return alive; }

        /** {@code __sk_destruct}: refcount gone, then bpf_sk_storage_free. */
        public void destruct() {
            alive = false;
            LocalStorage.destroy(this);
        }
    }

    public static class Task implements TaskStorageOwner {
        private final AtomicReference<LocalStorage> storage = new AtomicReference<>();
        volatile boolean alive = true;

        @Override public AtomicReference<LocalStorage> bpfStorage() { return storage; }
        @Override public boolean acceptsNewStorage() { return alive; }
    }

    public static class Cgrp implements CgrpStorageOwner {
        private final AtomicReference<LocalStorage> storage = new AtomicReference<>();
        volatile boolean online = true;

        @Override public AtomicReference<LocalStorage> bpfStorage() { return storage; }
        @Override public boolean online() { return online; }
        @Override public boolean acceptsNewStorage() { return online; }
    }

    /** An inode with a BPF LSM blob ({@code i_count} > 0 while {@link #referenced}). */
    public static class Inode implements InodeStorageOwner {
        private final AtomicReference<LocalStorage> storage = new AtomicReference<>();
        volatile boolean referenced = true;

        @Override public AtomicReference<LocalStorage> bpfStorage() { return storage; }
        @Override public boolean hasBpfBlob() { return true; }
        @Override public boolean acceptsNewStorage() { return referenced; }
    }
}
