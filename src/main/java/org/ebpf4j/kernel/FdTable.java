package org.ebpf4j.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * One process's file descriptors ({@code struct files_struct}, fs/file.c): the lowest free number
 * first ({@code alloc_fd}), 0/1/2 pre-occupied by stdio stand-ins so BPF fds start at 3.
 *
 * <p>Readers ({@link #get}) are lock-free: one volatile array read. Writers (install, close, dup)
 * serialize on this table, as the kernel on {@code files->file_lock}. An fd holds one reference on
 * its object; {@link #close} drops it after the slot is cleared, so a concurrent command that read
 * the slot just before must take its own reference with {@link KernelObject#tryInc()} and treat a
 * failure as EBADF (kernel: {@code fdget} takes a file reference in a multi-threaded process).
 */
public final class FdTable {
    private final int maxFds;
    private volatile AtomicReferenceArray<File> slots = new AtomicReferenceArray<>(16);
    private int lowestFree;   // hint: no free fd below this (files->next_fd)
    private int open;

    FdTable(int maxFds) {
        this.maxFds = maxFds;
        for (int i = 0; i < 3; i++) {
            slots.set(i, new File.Stdio(i));
        }
        lowestFree = 3;
        open = 3;
    }

    /** {@code RLIMIT_NOFILE}: fds are below this. */
    public int maxFds() { return maxFds; }

    /**
     * {@code fd_install(get_unused_fd_flags())}: the lowest free fd now refers to {@code file},
     * which carries the reference the fd holds. EMFILE if none is free (the caller then still owns
     * that reference and must drop it).
     */
    public synchronized int install(File file) {
        if (file == null) {
            throw new IllegalArgumentException("install of a null file");
        }
        AtomicReferenceArray<File> a = slots;
        int fd = lowestFree;
        while (fd < a.length() && a.get(fd) != null) {
            fd++;
        }
        if (fd >= maxFds) {
            throw new BpfException(Errno.EMFILE, "no free fd below RLIMIT_NOFILE " + maxFds);
        }
        if (fd >= a.length()) {
            AtomicReferenceArray<File> b = new AtomicReferenceArray<>(Math.min(maxFds, Math.max(a.length() * 2, fd + 1)));
            for (int i = 0; i < a.length(); i++) {
                b.set(i, a.get(i));
            }
            a = b;
            slots = b;
        }
        a.set(fd, file);
        lowestFree = fd + 1;
        open++;
        return fd;
    }

    /** The file behind {@code fd}; EBADF if none. No reference is taken. */
    public File get(int fd) {
        AtomicReferenceArray<File> a = slots;
        File f = fd >= 0 && fd < a.length() ? a.get(fd) : null;
        if (f == null) {
            throw new BpfException(Errno.EBADF, "fd " + fd + " is not open");
        }
        return f;
    }

    /** The file behind {@code fd}, or null. */
    public File peek(int fd) {
        AtomicReferenceArray<File> a = slots;
        return fd >= 0 && fd < a.length() ? a.get(fd) : null;
    }

    /** close(2): frees the number and drops the reference the fd held. EBADF if not open. */
    public void close(int fd) {
        File f;
        synchronized (this) {
            AtomicReferenceArray<File> a = slots;
            f = fd >= 0 && fd < a.length() ? a.get(fd) : null;
            if (f == null) {
                throw new BpfException(Errno.EBADF, "close of fd " + fd + ", which is not open");
            }
            a.set(fd, null);
            open--;
            if (fd < lowestFree) {
                lowestFree = fd;
            }
        }
        release(f);
    }

    /** dup(2): a new (lowest) fd to the same file; it holds its own reference. */
    public int dup(int fd) {
        File f = get(fd);
        KernelObject o = f.object();
        if (o != null && !o.tryAnyGet()) {
            throw new BpfException(Errno.EBADF, "fd " + fd + " was closed concurrently");
        }
        if (f.openFile() != null) {
            f.openFile().get();   // get_file: both fds name one struct file
        } else if (f instanceof File.IterFile it) {
            it.seq().get();   // get_file: both fds share one seq_file session
        }
        try {
            return install(f);
        } catch (BpfException e) {
            release(f);
            throw e;
        }
    }

    /** Closes every fd (process exit). */
    public void closeAll() {
        List<File> closed = new ArrayList<>();
        synchronized (this) {
            AtomicReferenceArray<File> a = slots;
            for (int i = 0; i < a.length(); i++) {
                File f = a.getAndSet(i, null);
                if (f != null) {
                    closed.add(f);
                }
            }
            lowestFree = 0;
            open = 0;
        }
        closed.forEach(FdTable::release);
    }

    /** Number of open fds (stdio included). */
    public synchronized int openCount() { return open; }

    /** The open fds in increasing order with what they refer to (stdio excluded), for diagnostics. */
    public synchronized List<String> describeOpen() {
        List<String> out = new ArrayList<>();
        AtomicReferenceArray<File> a = slots;
        for (int i = 0; i < a.length(); i++) {
            File f = a.get(i);
            if (f != null && f.object() != null) {
                out.add("fd " + i + " -> " + f.object());
            }
        }
        return out;
    }

    private static void release(File f) {
        if (f.openFile() != null) {
            f.openFile().put();   // fput: the last one drops the inode reference
            return;
        }
        if (f instanceof File.IterFile it) {
            it.seq().release();   // fput; the last one is iter_release: the session goes before the program reference
        }
        KernelObject o = f.object();
        if (o != null) {
            o.anyPut();
        }
    }
}
