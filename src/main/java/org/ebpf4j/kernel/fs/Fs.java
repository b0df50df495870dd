package org.ebpf4j.kernel.fs;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.map.storage.LocalStorage;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * A minimal filesystem in the runtime (fs/namei.c, fs/open.c, fs/inode.c in miniature): one
 * tree of directories and regular files under "/", inodes numbered from 1 (the root), per-task
 * open(2) giving fds in the task's table ({@link File.FsFile}), unlink, rename and mkdir. It
 * exists for what BPF sees of files: the {@code struct inode} a program is handed, the inode an
 * fd names (INODE_STORAGE keys), and when an inode dies ({@code inode_free_security} frees its
 * storage).
 *
 * <p>Reference counting as the VFS: each name holds one {@code i_count} (its dentry), each open
 * {@code struct file} one; unlink drops {@code i_nlink} and the name's reference; the last
 * {@link #iput} of an inode without names evicts it: its storage is freed
 * ({@link LocalStorage#destroy}, values after a grace period) and its {@code struct inode} is
 * unregistered at once and freed after a grace period. Whether inodes get a BPF LSM blob is fixed
 * per runtime ({@code Runtime.Builder.bpfLsm}).
 *
 * <p>All mutation serializes on this object (the model has no per-directory locks); paths are
 * absolute, "/"-separated, without "." or ".." handling beyond what the walk needs.
 */
public final class Fs {
    /** open(2) flags (include/uapi/asm-generic/fcntl.h). */
    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0100, O_EXCL = 0200,
            O_DIRECTORY = 0200000, O_PATH = 010000000;

    private final Arena arena;
    private final InodeMirror.Layout layout;
    private final boolean bpfLsm;
    private final Hooks hooks;
    private final Inode root;
    /** The one inode of every anon_inode file (BPF objects): fs/anon_inodes.c's {@code anon_inode_inode}. */
    private final Inode anon;
    /** The terminal on every task's fds 0, 1 and 2 ({@link #consoleInode}). */
    private final Inode console;
    private final VfsStructs vfs;
    /**
     * Inodes of objects outside the tree, made on first need: a socket's sockfs inode
     * ({@code SOCK_INODE}), a cgroup directory's kernfs inode, a pid's pidfs inode.
     */
    private final Map<Object, Inode> objectInodes = new IdentityHashMap<>();
    private volatile SecurityHooks security = SecurityHooks.NONE;
    private long nextIno = 1;

    /** Where the filesystem tells the rest of the kernel about inodes: the mirror table and grace periods. */
    public interface Hooks {
        /** Makes {@code header + 16} resolve to {@code inode} for the storage helpers. */
        void register(Inode inode, long header);

        /** Forgets the struct at {@code addr}. */
        void unregister(long addr);

        /** Runs {@code free} after a grace period. */
        void afterGracePeriod(Runnable free);
    }

    public Fs(Arena arena, Btf kernelBtf, boolean bpfLsm, Hooks hooks) {
        this.arena = arena;
        this.layout = InodeMirror.Layout.of(kernelBtf);
        this.bpfLsm = bpfLsm;
        this.hooks = hooks;
        this.vfs = new VfsStructs(arena, kernelBtf);
        synchronized (this) {
            this.root = newInode(Inode.S_IFDIR | 0755);
            root.nlink = 2;
            root.count = 1;   // the mount's reference
            root.mirror.setCounts(2, 1);
            this.anon = newInode(Inode.S_IFREG | 0600);
            anon.nlink = 1;   // pinned: never evicted, as the kernel's
            anon.count = 1;
            anon.mirror.setCounts(1, 1);
            this.console = newInode(S_IFCHR | 0620);
            console.nlink = 1;   // pinned, as the anon inode
            console.count = 1;
            console.mirror.setCounts(1, 1);
        }
    }

    /** Installs the LSM hooks the operations call ({@link SecurityHooks#NONE}: allow all). */
    public void setSecurityHooks(SecurityHooks hooks) { this.security = hooks == null ? SecurityHooks.NONE : hooks; }

    /** Whether the BPF LSM is active: new inodes get a blob. */
    public boolean bpfLsm() { return bpfLsm; }

    public Inode root() { return root; }

    /** {@code anon_inode_inode}: what {@code file_inode()} of a map, prog, link or BTF fd is. */
    public Inode anonInode() { return anon; }

    /** {@code S_IFSOCK}. */
    public static final int S_IFSOCK = 0140000;

    /**
     * The sockfs inode of socket {@code sock} ({@code SOCK_INODE(sock)}: what
     * {@code file_inode()} of a socket fd is), made on first need; it lives until
     * {@link #releaseInodeOf} ({@code sock_release}).
     */
    public synchronized Inode inodeOf(Object sock) {
        Inode ino = objectInodes.get(sock);
        if (ino == null) {
            ino = newInode(S_IFSOCK | 0777);
            ino.nlink = 1;   // sockfs: never linked in a directory, held by the socket
            ino.count = 1;
            ino.mirror.setCounts(1, 1);
            ino.objectKey = sock;
            objectInodes.put(sock, ino);
        }
        return ino;
    }

    /** {@code sock_release}: the socket's inode (if it ever had one) is dropped and dies. */
    public void releaseInodeOf(Object sock) {
        Inode ino;
        synchronized (this) {
            ino = objectInodes.remove(sock);
            if (ino == null) {
                return;
            }
            ino.nlink = 0;
        }
        iput(ino);
    }

    /** {@code S_IFCHR}. */
    public static final int S_IFCHR = 0020000;

    /**
     * The inode of the terminal the model's processes have on fds 0, 1 and 2 (a devpts
     * {@code S_IFCHR} inode): one for the runtime, pinned like the anon inode, so INODE_STORAGE
     * keys by a stdio fd as on Linux, where {@code file_inode()} of a tty fd is the tty's inode.
     */
    public Inode consoleInode() { return console; }

    /**
     * open(2) of a cgroup directory ({@code kernfs_iop_lookup} → {@code kernfs_get_inode}): a new
     * {@code struct file} on the directory's one kernfs inode, made on first need and kept by its
     * cached dentry while the cgroup exists, so every open names the same inode (st_ino equal,
     * INODE_STORAGE shared across opens, as observed on Linux 6.18). {@link #kernfsRemove} at
     * rmdir drops the dentry's hold; the last file then evicts it.
     */
    public OpenFile kernfsOpen(Object node) {
        synchronized (this) {
            Inode ino = objectInodes.get(node);
            if (ino == null) {
                ino = newInode(Inode.S_IFDIR | 0755);
                ino.nlink = 2;
                ino.count = 1;   // the cached dentry's reference
                ino.mirror.setCounts(2, 1);
                ino.objectKey = node;
                objectInodes.put(node, ino);
            }
            ihold(ino);
            return new OpenFile(this, ino, O_RDONLY | O_DIRECTORY);
        }
    }

    /**
     * {@code kernfs_remove} at rmdir: the directory loses its names and its dentry's reference;
     * its inode dies now if no file holds it, else at the last close (as on Linux 6.18, a
     * cgroup fd kept open across rmdir still keys INODE_STORAGE, update included).
     */
    public void kernfsRemove(Object node) { releaseInodeOf(node); }

    /**
     * pidfd_open(2) ({@code pidfs_alloc_file} → {@code path_from_stashed}): a new
     * {@code struct file} on the pid's pidfs inode. There is one inode per pid while any pidfd of
     * it is open (every pidfd of a pid has the same st_ino and shares INODE_STORAGE); pidfs
     * deletes it at the last {@code iput}, so when the last pidfd closes its storage is freed
     * even if the process still runs, and a later pidfd gets a fresh inode with no storage;
     * reaping does not kill it while a pidfd remains. All three observed on Linux 6.18.
     */
    public OpenFile pidfsOpen(Object pid) {
        synchronized (this) {
            Inode ino = objectInodes.get(pid);
            if (ino == null) {
                ino = newInode(Inode.S_IFREG | 0600);
                ino.nlink = 1;
                ino.deleteOnLastPut = true;
                ino.objectKey = pid;
                objectInodes.put(pid, ino);
            }
            ihold(ino);
            return new OpenFile(this, ino, O_RDONLY);
        }
    }

    /**
     * {@code file_inode(file)} of what an fd names: the {@code struct file}'s inode for files of
     * this model (regular files, directories, cgroup directories, pidfds), the one anon inode for
     * BPF object fds ({@code anon_inode_getfile}), the socket's sockfs inode, the console for
     * stdio. A stand-in ({@link File.Other}) gives its own object, which the caller judges.
     */
    public Object fileInode(File f) {
        if (f.openFile() != null) {
            return f.openFile().inode();
        }
        return switch (f) {
            case File.MapFile m -> anon;
            case File.ProgFile p -> anon;
            case File.LinkFile l -> anon;
            case File.BtfFile b -> anon;
            case File.SocketFile s -> inodeOf(s.sock());   // SOCK_INODE
            case File.Stdio s -> console;
            case File.Other o -> o.inode();
            default -> f;
        };
    }

    /** The inode at {@code path}, or null. */
    public synchronized Inode lookup(String path) {
        Inode cur = root;
        for (String part : parts(path)) {
            if (cur.children == null) {
                return null;
            }
            cur = cur.children.get(part);
            if (cur == null) {
                return null;
            }
        }
        return cur;
    }

    /** mkdir(2): ENOENT (no parent), ENOTDIR, EEXIST. */
    public synchronized Inode mkdir(String path) {
        Inode dir = parentOf(path);
        String name = last(path);
        if (dir.children.containsKey(name)) {
            throw new BpfException(Errno.EEXIST, "mkdir " + path + ": exists");
        }
        Inode d = newInode(Inode.S_IFDIR | 0755);
        link(dir, name, d);
        d.nlink = 2;
        d.mirror.setCounts(d.nlink, d.count);
        return d;
    }

    /**
     * open(2) by {@code task}: the lowest free fd names a new {@code struct file} on the inode
     * at {@code path}. O_CREAT makes a regular file (EEXIST with O_EXCL if it exists); ENOENT,
     * ENOTDIR; EISDIR for a directory opened for writing; O_PATH opens anything, for no I/O.
     */
    public int open(Task task, String path, int flags) {
        OpenFile f;
        synchronized (this) {
            Inode ino = lookup(path);
            if (ino == null) {
                if ((flags & O_CREAT) == 0 || (flags & O_PATH) != 0) {
                    throw new BpfException(Errno.ENOENT, "open " + path + ": no such file or directory");
                }
                Inode dir = parentOf(path);
                ino = newInode(Inode.S_IFREG | 0644);
                link(dir, last(path), ino);
            } else if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
                throw new BpfException(Errno.EEXIST, "open " + path + ": O_CREAT|O_EXCL and it exists");
            }
            if ((flags & O_PATH) == 0) {
                if (ino.isDir() && (flags & (O_WRONLY | O_RDWR)) != 0) {
                    throw new BpfException(Errno.EISDIR, "open " + path + ": a directory for writing");
                }
                if (!ino.isDir() && (flags & O_DIRECTORY) != 0) {
                    throw new BpfException(Errno.ENOTDIR, "open " + path + ": O_DIRECTORY on a file");
                }
            }
            if ((flags & O_PATH) == 0) {   // do_dentry_open: O_PATH files skip security_file_open
                refuse(vfs.withDentry(last(path), ino, true, flags, fmode(flags),
                        (d, file) -> security.fileOpen(task, file)), "open " + path);
            }
            ihold(ino);
            f = new OpenFile(this, ino, flags);
        }
        try {
            return task.fds().install(new File.FsFile(f, fmode(flags)));
        } catch (BpfException e) {
            f.put();
            throw e;
        }
    }

    /** A file of {@code path} created (and closed) by the kernel itself: {@code creat} + close. */
    public Inode create(String path) {
        synchronized (this) {
            Inode dir = parentOf(path);
            String name = last(path);
            Inode have = dir.children.get(name);
            if (have != null) {
                return have;
            }
            Inode ino = newInode(Inode.S_IFREG | 0644);
            link(dir, name, ino);
            return ino;
        }
    }

    /** unlink(2): ENOENT, EISDIR; the inode dies now if no file holds it, else at the last close. */
    public void unlink(Task task, String path) {
        Inode victim;
        synchronized (this) {
            Inode dir = parentOf(path);
            String name = last(path);
            victim = dir.children.get(name);
            if (victim == null) {
                throw new BpfException(Errno.ENOENT, "unlink " + path + ": no such file");
            }
            if (victim.isDir()) {
                throw new BpfException(Errno.EISDIR, "unlink " + path + ": a directory");
            }
            Inode parent = dir;
            refuse(vfs.withDentry(name, victim, false, 0, 0, (d, f) -> security.inodeUnlink(task, parent.address(), d)),
                    "unlink " + path);
            dir.children.remove(name);
            victim.nlink--;
            victim.mirror.setCounts(victim.nlink, victim.count);
        }
        iput(victim);   // the dentry's reference (d_delete → dentry_unlink_inode)
    }

    /**
     * rename(2) without flags: ENOENT, EISDIR/ENOTDIR on a type mismatch; a regular file at the new
     * name is replaced (it loses that name, as by unlink).
     */
    public void rename(Task task, String from, String to) {
        Inode replaced;
        synchronized (this) {
            Inode odir = parentOf(from);
            Inode ndir = parentOf(to);
            Inode moving = odir.children.get(last(from));
            if (moving == null) {
                throw new BpfException(Errno.ENOENT, "rename " + from + ": no such file");
            }
            replaced = ndir.children.get(last(to));
            if (replaced == moving) {
                return;
            }
            if (replaced != null && replaced.isDir() != moving.isDir()) {
                throw new BpfException(moving.isDir() ? Errno.ENOTDIR : Errno.EISDIR,
                        "rename " + from + " -> " + to + ": directory and non-directory");
            }
            if (replaced != null && replaced.isDir() && !replaced.children.isEmpty()) {
                throw new BpfException(Errno.ENOTEMPTY, "rename " + from + " -> " + to + ": target not empty");
            }
            Inode newInode = replaced;
            refuse(vfs.withDentry(last(from), moving, false, 0, 0, (od, x) -> vfs.withDentry(last(to), newInode, false, 0, 0,
                    (nd, y) -> security.inodeRename(task, odir.address(), od, ndir.address(), nd))), "rename " + from + " -> " + to);
            odir.children.remove(last(from));
            ndir.children.put(last(to), moving);
            if (replaced != null) {
                replaced.nlink = 0;
                replaced.mirror.setCounts(0, replaced.count);
            }
        }
        if (replaced != null) {
            iput(replaced);
        }
    }

    /**
     * execve(2) of {@code path} by {@code task}, as far as files go: the executable is opened
     * ({@code do_open_execat}: {@code security_file_open} fires, refusal fails the exec) and
     * becomes the task's {@code mm->exe_file}, holding the inode until the next exec or exit.
     * ENOENT; EACCES for a directory.
     */
    public Inode exec(Task task, String path) {
        OpenFile f;
        synchronized (this) {
            Inode ino = lookup(path);
            if (ino == null) {
                throw new BpfException(Errno.ENOENT, "execve " + path + ": no such file");
            }
            if (ino.isDir()) {
                throw new BpfException(Errno.EACCES, "execve " + path + ": a directory");
            }
            refuse(vfs.withDentry(last(path), ino, true, O_RDONLY, File.FMODE_READ,
                    (d, file) -> security.fileOpen(task, file)), "execve " + path);
            ihold(ino);
            f = new OpenFile(this, ino, O_RDONLY);
        }
        task.setExeFile(f);
        // begin_new_exec → commit_creds → security_bprm_committed_creds(bprm), bprm->file the
        // executable; outside the filesystem lock, as its programs may sleep (and open files)
        Inode exe = f.inode();
        vfs.withDentry(last(path), exe, true, O_RDONLY, File.FMODE_READ,
                (d, file) -> vfs.withBinprm(file, bprm -> {
                    security.bprmCommittedCreds(task, bprm);
                    return 0;
                }));
        return exe;
    }

    /** A hook's refusal as the operation's failure: its errno (EPERM for one the model cannot name). */
    private static void refuse(int err, String what) {
        if (err != 0) {
            Errno e = Errno.of(err);
            throw new BpfException(e == null ? Errno.EPERM : e, what + ": refused by an LSM hook");
        }
    }

    /** {@code ihold}: one more reference. */
    synchronized void ihold(Inode ino) {
        if (ino.evicted) {
            throw new IllegalStateException("ihold on evicted " + ino);
        }
        ino.count++;
        ino.mirror.setCounts(ino.nlink, ino.count);
    }

    /**
     * {@code iput}: drops a reference; the last one of an inode without names evicts it
     * ({@code evict} → {@code destroy_inode} → {@code security_inode_free} →
     * {@code bpf_inode_storage_free}).
     */
    void iput(Inode ino) {
        synchronized (this) {
            ino.count--;
            ino.mirror.setCounts(ino.nlink, ino.count);
            if (ino.count > 0 || (ino.nlink > 0 && !ino.deleteOnLastPut)) {
                return;
            }
            ino.evicted = true;
            if (ino.objectKey != null) {
                objectInodes.remove(ino.objectKey, ino);
            }
        }
        if (ino.hasBpfBlob()) {
            LocalStorage.destroy(ino);
        }
        hooks.unregister(ino.address());
        hooks.afterGracePeriod(ino.mirror::free);
    }

    private Inode newInode(int mode) {
        InodeMirror m = new InodeMirror(arena, layout, nextIno, mode);
        Inode ino = new Inode(nextIno++, mode, bpfLsm, m);
        hooks.register(ino, m.header());
        return ino;
    }

    private void link(Inode dir, String name, Inode ino) {
        dir.children.put(name, ino);
        ino.nlink++;
        ino.count++;   // the dentry's reference
        ino.mirror.setCounts(ino.nlink, ino.count);
    }

    private Inode parentOf(String path) {
        List<String> p = parts(path);
        if (p.isEmpty()) {
            throw new BpfException(Errno.EBUSY, "\"/\" has no parent");
        }
        Inode cur = root;
        for (int i = 0; i < p.size() - 1; i++) {
            Inode next = cur.children.get(p.get(i));
            if (next == null) {
                throw new BpfException(Errno.ENOENT, path + ": no directory " + p.get(i));
            }
            if (!next.isDir()) {
                throw new BpfException(Errno.ENOTDIR, path + ": " + p.get(i) + " is not a directory");
            }
            cur = next;
        }
        return cur;
    }

    private static String last(String path) {
        List<String> p = parts(path);
        return p.get(p.size() - 1);
    }

    private static List<String> parts(String path) {
        if (path == null || !path.startsWith("/")) {
            throw new BpfException(Errno.EINVAL, "path \"" + path + "\" is not absolute");
        }
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty() && !s.equals(".")) {
                out.add(s);
            }
        }
        return out;
    }

    /** {@code OPEN_FMODE}: O_PATH files have neither FMODE_READ nor FMODE_WRITE. */
    private static int fmode(int flags) {
        if ((flags & O_PATH) != 0) {
            return 0;
        }
        return switch (flags & 3) {
            case O_WRONLY -> File.FMODE_WRITE;
            case O_RDWR -> File.FMODE_RDWR;
            default -> File.FMODE_READ;
        };
    }
}
