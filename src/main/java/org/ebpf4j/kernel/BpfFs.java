package org.ebpf4j.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * The bpf filesystem mounted at {@value #MOUNT} (kernel/bpf/inode.c; spec-cgroup-attach-link §9):
 * directories and pinned objects. A pin holds exactly one reference on its object
 * ({@code bpf_any_get}: maps ref + uref); unlinking the last name drops it.
 *
 * <p>Paths: absolute paths must lie under {@value #MOUNT}; relative ones are resolved against it.
 * Names containing a dot are reserved: looking one up that does not exist gives EPERM
 * ({@code bpf_lookup}), so pin/mkdir/get of a dotted name fail with EPERM. Outside bpffs, pin and
 * mkdir give EPERM (the parent is not a bpffs directory) and get gives ENOENT (the model has no
 * other filesystem; Linux says EACCES for an existing non-bpffs file).
 *
 * <p>One lock for the whole tree (the kernel locks per inode; bpffs operations are rare).
 * Deviation: Linux drops an unlinked pin's reference after an RCU grace period
 * ({@code bpf_free_inode}); here it is dropped at once, which only makes "gone" earlier.
 */
public final class BpfFs {
    public static final String MOUNT = "/sys/fs/bpf";
    /** {@code NAME_MAX}. */
    public static final int NAME_MAX = 255;

    private sealed interface Node permits Dir, Pin {}

    private static final class Dir implements Node {
        final TreeMap<String, Node> children = new TreeMap<>();
        final int uid;
        final int gid;

        Dir(int uid, int gid) {
            this.uid = uid;
            this.gid = gid;
        }
    }

    /** A pinned object, regular-file inode of mode {@code S_IFREG | 0600}. */
    private record Pin(KernelObject object, int uid, int gid) implements Node {}

    /** One directory entry, for listings. {@code kind} is null for a directory. */
    public record Entry(String name, String path, ObjKind kind, int id) {
        public boolean directory() { return kind == null; }
    }

    private final Dir root = new Dir(0, 0);

    /** A path split into the parent's components and the last name, below the mount. */
    private record Parsed(List<String> parent, String name) {}

    /** Resolves {@code path}: null if it is outside bpffs. "." and ".." are handled as the VFS would. */
    private static Parsed parse(String path) {
        if (path == null || path.isEmpty()) {
            throw new BpfException(Errno.ENOENT, "empty pathname");
        }
        String rel;
        if (path.startsWith("/")) {
            if (path.equals(MOUNT) || path.equals(MOUNT + "/")) {
                rel = "";
            } else if (path.startsWith(MOUNT + "/")) {
                rel = path.substring(MOUNT.length() + 1);
            } else {
                return null;
            }
        } else {
            rel = path;
        }
        List<String> parts = new ArrayList<>();
        for (String p : rel.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (parts.isEmpty()) {
                    return null;   // climbed out of the mount
                }
                parts.removeLast();
                continue;
            }
            if (p.length() > NAME_MAX) {
                throw new BpfException(Errno.ENAMETOOLONG, "path component of " + p.length() + " bytes in \"" + path + "\"");
            }
            parts.add(p);
        }
        if (parts.isEmpty()) {
            return new Parsed(List.of(), "");
        }
        return new Parsed(parts.subList(0, parts.size() - 1), parts.getLast());
    }

    /** Walks to the directory named by {@code parts}: ENOENT/EPERM (dotted)/ENOTDIR on the way. */
    private Dir walk(List<String> parts, String path) {
        Dir d = root;
        for (String p : parts) {
            Node n = d.children.get(p);
            if (n == null) {
                throw missing(p, path);
            }
            if (!(n instanceof Dir next)) {
                throw new BpfException(Errno.ENOTDIR, "\"" + p + "\" in \"" + path + "\" is not a directory");
            }
            d = next;
        }
        return d;
    }

    /** {@code bpf_lookup}: a missing dotted name is EPERM, other missing names ENOENT. */
    private static BpfException missing(String name, String path) {
        if (name.indexOf('.') >= 0) {
            return new BpfException(Errno.EPERM, "\"" + name + "\" in \"" + path + "\": names with a dot are reserved in bpffs");
        }
        return new BpfException(Errno.ENOENT, "\"" + path + "\": no such file or directory in bpffs (missing \"" + name + "\")");
    }

    /** Checks that {@code name} may be created in {@code dir} (EEXIST, EPERM for a dot). */
    private static void checkCreate(Dir dir, String name, String path) {
        if (name.isEmpty() || dir.children.containsKey(name)) {
            throw new BpfException(Errno.EEXIST, "\"" + path + "\" already exists");
        }
        if (name.indexOf('.') >= 0) {
            throw missing(name, path);
        }
    }

    /** {@code bpf_obj_do_pin}: the reference {@code object} carries now belongs to the pin. */
    public synchronized void pin(Task task, String path, KernelObject object) {
        Parsed p = parse(path);
        if (p == null) {
            throw new BpfException(Errno.EPERM, "\"" + path + "\" is not inside bpffs (" + MOUNT + ")");
        }
        Dir dir = walk(p.parent(), path);
        checkCreate(dir, p.name(), path);
        dir.children.put(p.name(), new Pin(object, task.uid(), task.gid()));
    }

    /**
     * {@code bpf_obj_do_get}: the pinned object with a new fd reference taken ({@code bpf_any_get}).
     * ENOENT if missing, EACCES for a directory or for a pin of another user (mode 0600).
     */
    public synchronized KernelObject get(Task task, String path, int fmode) {
        Parsed p = parse(path);
        if (p == null) {
            throw new BpfException(Errno.ENOENT, "\"" + path + "\" is not inside bpffs (" + MOUNT + ")");
        }
        Dir dir = walk(p.parent(), path);
        Node n = p.name().isEmpty() ? root : dir.children.get(p.name());
        if (n == null) {
            throw missing(p.name(), path);
        }
        if (!(n instanceof Pin pin)) {
            throw new BpfException(Errno.EACCES, "\"" + path + "\" is a directory, not a pinned object");
        }
        if (task.uid() != 0 && task.uid() != pin.uid() && !task.capable(Cap.SYS_ADMIN)) {
            throw new BpfException(Errno.EACCES, "\"" + path + "\" belongs to uid " + pin.uid() + " (mode 0600)");
        }
        if (!pin.object().tryAnyGet()) {
            throw new BpfException(Errno.ENOENT, "\"" + path + "\": the object is dying");
        }
        return pin.object();
    }

    /** unlink(2): removes a pin and drops its reference; EISDIR for a directory. */
    public void unlink(Task task, String path) {
        KernelObject dropped;
        synchronized (this) {
            Parsed p = parse(path);
            if (p == null) {
                throw new BpfException(Errno.ENOENT, "\"" + path + "\" is not inside bpffs");
            }
            Dir dir = walk(p.parent(), path);
            Node n = p.name().isEmpty() ? root : dir.children.get(p.name());
            if (n == null) {
                throw missing(p.name(), path);
            }
            if (n instanceof Dir) {
                throw new BpfException(Errno.EISDIR, "\"" + path + "\" is a directory: use rmdir");
            }
            dir.children.remove(p.name());
            dropped = ((Pin) n).object();
        }
        dropped.anyPut();
    }

    /** mkdir(2) inside bpffs. */
    public synchronized void mkdir(Task task, String path) {
        Parsed p = parse(path);
        if (p == null) {
            throw new BpfException(Errno.EPERM, "\"" + path + "\" is not inside bpffs (" + MOUNT + ")");
        }
        Dir dir = walk(p.parent(), path);
        checkCreate(dir, p.name(), path);
        dir.children.put(p.name(), new Dir(task.uid(), task.gid()));
    }

    /** rmdir(2): ENOENT, ENOTDIR for a pin, ENOTEMPTY, EBUSY for the mount point. */
    public synchronized void rmdir(Task task, String path) {
        Parsed p = parse(path);
        if (p == null) {
            throw new BpfException(Errno.ENOENT, "\"" + path + "\" is not inside bpffs");
        }
        if (p.name().isEmpty()) {
            throw new BpfException(Errno.EBUSY, MOUNT + " is a mount point");
        }
        Dir dir = walk(p.parent(), path);
        Node n = dir.children.get(p.name());
        if (n == null) {
            throw missing(p.name(), path);
        }
        if (!(n instanceof Dir d)) {
            throw new BpfException(Errno.ENOTDIR, "\"" + path + "\" is a pinned object, not a directory");
        }
        if (!d.children.isEmpty()) {
            throw new BpfException(Errno.ENOTEMPTY, "\"" + path + "\" has " + d.children.size() + " entries");
        }
        dir.children.remove(p.name());
    }

    /** rename(2) within bpffs (the pin keeps its one reference). EEXIST is not raised: the target is replaced if it is a pin. */
    public void rename(Task task, String from, String to) {
        KernelObject replaced = null;
        synchronized (this) {
            Parsed a = parse(from);
            Parsed b = parse(to);
            if (a == null || b == null) {
                throw new BpfException(Errno.EXDEV, "rename across filesystems: \"" + from + "\" -> \"" + to + "\"");
            }
            Dir da = walk(a.parent(), from);
            Node n = da.children.get(a.name());
            if (n == null) {
                throw missing(a.name(), from);
            }
            Dir db = walk(b.parent(), to);
            Node old = db.children.get(b.name());
            if (old == null && b.name().indexOf('.') >= 0) {
                throw missing(b.name(), to);
            }
            if (old instanceof Dir od && (!(n instanceof Dir) || !od.children.isEmpty())) {
                throw new BpfException(n instanceof Dir ? Errno.ENOTEMPTY : Errno.EISDIR, "rename onto directory \"" + to + "\"");
            }
            if (old instanceof Pin && n instanceof Dir) {
                throw new BpfException(Errno.ENOTDIR, "rename of a directory onto pin \"" + to + "\"");
            }
            da.children.remove(a.name());
            db.children.put(b.name(), n);
            if (old instanceof Pin op && old != n) {
                replaced = op.object();
            }
        }
        if (replaced != null) {
            replaced.anyPut();
        }
    }

    /** The entries of a directory, sorted by name (for the CLI). */
    public synchronized List<Entry> list(String path) {
        Parsed p = parse(path);
        if (p == null) {
            throw new BpfException(Errno.ENOENT, "\"" + path + "\" is not inside bpffs");
        }
        Dir dir = walk(p.parent(), path);
        Node n = p.name().isEmpty() ? root : dir.children.get(p.name());
        if (n == null) {
            throw missing(p.name(), path);
        }
        if (!(n instanceof Dir d)) {
            throw new BpfException(Errno.ENOTDIR, "\"" + path + "\" is not a directory");
        }
        String base = p.name().isEmpty() && p.parent().isEmpty() ? MOUNT : MOUNT + "/" + String.join("/", p.parent())
                + (p.parent().isEmpty() ? "" : "/") + p.name();
        List<Entry> out = new ArrayList<>();
        d.children.forEach((name, node) -> out.add(node instanceof Pin pin
                ? new Entry(name, base + "/" + name, pin.object().kind(), pin.object().id())
                : new Entry(name, base + "/" + name, null, 0)));
        return out;
    }

    /** Every pin, as "path -> object", depth first (leak reports). */
    public synchronized List<String> describePins() {
        List<String> out = new ArrayList<>();
        describe(root, MOUNT, out);
        return out;
    }

    private static void describe(Dir d, String path, List<String> out) {
        d.children.forEach((name, n) -> {
            if (n instanceof Pin p) {
                out.add(path + "/" + name + " -> " + p.object());
            } else {
                describe((Dir) n, path + "/" + name, out);
            }
        });
    }

    /** Unmount: every pin drops its reference and the tree empties. */
    public void clear() {
        List<KernelObject> dropped = new ArrayList<>();
        synchronized (this) {
            collect(root, dropped);
            root.children.clear();
        }
        dropped.forEach(KernelObject::anyPut);
    }

    private static void collect(Dir d, List<KernelObject> out) {
        for (Node n : d.children.values()) {
            if (n instanceof Pin p) {
                out.add(p.object());
            } else {
                collect((Dir) n, out);
            }
        }
    }
}
