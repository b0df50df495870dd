package org.ebpf4j.map;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * What the object model above the map layer provides, reduced to what map-in-map tests need:
 * a kernel refcount per map ({@code bpf_map_inc}/{@code bpf_map_put}; the last put frees the map,
 * which removes its id at once) and an fd table whose fds each hold one reference.
 */
final class InnerRefs {
    /** One map's refcount; the same object is every reference to that map. */
    static final class Counted implements InnerMapRef {
        private final BpfMap map;
        final AtomicLong refcnt = new AtomicLong(1);

        Counted(BpfMap map) { this.map = map; }

        @Override public BpfMap map() { return map; }

        Counted inc() {
            if (refcnt.getAndIncrement() <= 0) {
                throw new IllegalStateException("inc on a dead map");
            }
            return this;
        }

        @Override
        public void put() {
            long n = refcnt.decrementAndGet();
            if (n < 0) {
                throw new IllegalStateException("refcount of map " + map.type() + " below zero");
            }
            if (n == 0) {
                map.free();
            }
        }
    }

    private final Map<Integer, Counted> fds = new HashMap<>();
    private final Map<BpfMap, Counted> byMap = new HashMap<>();
    private int nextFd = 3;
    /** An fd that is open but not a map (EINVAL when used as one). */
    static final int NOT_A_MAP_FD = -2;

    /** A new map's first reference, as its fd. */
    synchronized int open(BpfMap map) {
        Counted c = new Counted(map);
        byMap.put(map, c);
        fds.put(nextFd, c);
        return nextFd++;
    }

    synchronized Counted counted(BpfMap map) { return byMap.get(map); }

    /** close(fd): the fd's reference goes. */
    void close(int fd) {
        Counted c;
        synchronized (this) {
            c = fds.remove(fd);
        }
        if (c == null) {
            throw new IllegalArgumentException("fd " + fd + " is not open");
        }
        c.put();
    }

    /** {@code bpf_map_fd_get_ptr}'s fd half: EBADF, EINVAL for a non-map fd, else a new reference. */
    FdResolver<InnerMapRef> resolver() {
        return fd -> {
            if (fd == NOT_A_MAP_FD) {
                throw new BpfException(Errno.EINVAL, "fd " + fd + " is not a map");
            }
            Counted c;
            synchronized (this) {
                c = fds.get(fd);
            }
            if (c == null) {
                throw new BpfException(Errno.EBADF, "fd " + fd + " is not open");
            }
            return c.inc();
        };
    }
}
