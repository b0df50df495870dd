package org.ebpf4j.kernel;

import org.ebpf4j.map.MapFlags;

/**
 * What an fd can refer to ({@code struct file} with its {@code f_mode}): an anonymous-inode file
 * of one BPF object, or a stand-in for stdio. Each installed fd holds one reference on its object
 * ({@link KernelObject#anyGet()}: maps count it as a user reference), dropped when the fd closes.
 * New kinds (cgroup directories, sockets, pidfds) join the permits list as they arrive.
 */
public sealed interface File permits File.MapFile, File.ProgFile, File.LinkFile, File.BtfFile, File.SocketFile,
        File.CgroupFile, File.FsFile, File.Stdio, File.Other, File.IterFile {
    /** {@code FMODE_READ}: the fd was opened for reading. */
    int FMODE_READ = 1;
    /** {@code FMODE_WRITE}: the fd was opened for writing. */
    int FMODE_WRITE = 2;
    int FMODE_RDWR = FMODE_READ | FMODE_WRITE;

    /** The open mode ({@link #FMODE_READ}/{@link #FMODE_WRITE}). */
    int mode();

    /** The object behind the fd, or null for stdio stand-ins. */
    KernelObject object();

    default boolean canRead() { return (mode() & FMODE_READ) != 0; }

    default boolean canWrite() { return (mode() & FMODE_WRITE) != 0; }

    /** What kind of thing this is, for messages ("map", "prog", "stdio"). */
    default String what() {
        return object() == null ? "stdio" : object().kind().name().toLowerCase();
    }

    /**
     * {@code bpf_get_file_flag()}: BPF_F_RDONLY → read only, BPF_F_WRONLY → write only, else
     * read-write. The caller has rejected both together (EINVAL).
     */
    static int modeFromFlags(int flags) {
        if ((flags & MapFlags.BPF_F_RDONLY) != 0) {
            return FMODE_READ;
        }
        if ((flags & MapFlags.BPF_F_WRONLY) != 0) {
            return FMODE_WRITE;
        }
        return FMODE_RDWR;
    }

    /** A map fd ({@code bpf_map_fops}). */
    record MapFile(MapObject map, int mode) implements File {
        @Override public KernelObject object() { return map; }
    }

    /** A program fd ({@code bpf_prog_fops}): always read-write. */
    record ProgFile(ProgObject prog, int mode) implements File {
        @Override public KernelObject object() { return prog; }
    }

    /** A link fd ({@code bpf_link_fops}). */
    record LinkFile(LinkObject link, int mode) implements File {
        @Override public KernelObject object() { return link; }
    }

    /** A BTF fd ({@code btf_fops}). */
    record BtfFile(BtfObject btf, int mode) implements File {
        @Override public KernelObject object() { return btf; }
    }

    /**
     * A socket fd ({@code socket_file_ops}); {@code sock} is an {@code org.ebpf4j.kernel.net.Socket}
     * (typed as its base here so this package does not import the layer above it).
     */
    record SocketFile(KernelObject sock, int mode) implements File {
        @Override public KernelObject object() { return sock; }
    }

    /** fds 0, 1, 2: present so that BPF fds start at 3 as on Linux; not BPF objects. */
    record Stdio(int fd) implements File {
        @Override public int mode() { return fd == 0 ? FMODE_READ : FMODE_WRITE; }

        @Override public KernelObject object() { return null; }
    }

    /**
     * Any other open file: a pidfd, a regular file or directory.
     * {@code inode} is the model object behind it (what the per-map-type key resolution of
     * local storage looks at, spec §3.1); {@code kind} names it for messages. Holds no BPF reference.
     */
    record Other(Object inode, String kind, int mode) implements File {
        @Override public KernelObject object() { return null; }

        @Override public String what() { return kind; }
    }

    /**
     * A file of the filesystem model ({@link org.ebpf4j.kernel.fs.Fs#open}): the fd's
     * {@code struct file}, whose last close drops its inode reference. {@code mode} 0 for O_PATH.
     */
    record FsFile(org.ebpf4j.kernel.fs.OpenFile file, int mode) implements File {
        @Override public KernelObject object() { return null; }

        @Override public String what() { return file.isPath() ? "O_PATH file" : file.inode().isDir() ? "directory" : "regular file"; }
    }

    /**
     * A BPF iterator fd ({@code bpf_iter_fops}, anon inode "bpf_iter", O_RDONLY): read() runs the
     * program over its target. It holds a reference on the program ({@code prepare_seq_file}),
     * not on the link; closing it releases the session ({@code iter_release}).
     */
    record IterFile(ProgObject prog, SeqFile seq, int mode) implements File {
        @Override public KernelObject object() { return prog; }

        @Override public String what() { return "bpf_iter"; }
    }

    /** An open cgroup2 directory (O_RDONLY|O_DIRECTORY): what PROG_ATTACH and LINK_CREATE take as target_fd. Holds no BPF object. */
    record CgroupFile(org.ebpf4j.kernel.cgroup.Cgroup cgroup, int mode) implements File {
        @Override public KernelObject object() { return null; }

        @Override public String what() { return "cgroup directory"; }
    }
}
