package org.ebpf4j.kernel.trampoline;

import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.memory.Arena;

/**
 * The security hooks of the modelled world that BPF LSM programs attach to
 * (include/linux/lsm_hook_defs.h; kernel/bpf/bpf_lsm.c). Each {@code security_<hook>()} of the
 * kernel calls the BPF LSM's {@code bpf_lsm_<hook>()}, an empty function returning 0 whose
 * trampoline runs the attached LSM programs as fmod_ret programs: the first non-zero return
 * (an -errno, the verifier allows [-4095, 0]) is the hook's result and the operation fails with
 * it. Each method here returns 0 or -errno; with nothing attached it costs one volatile read.
 *
 * <p>Hooks with no call site in the model are not declared (task_alloc: Linux calls it in
 * {@code copy_process} with the parent as current and the child and its clone_flags as arguments,
 * but {@code Runtime.spawn} is not a fork: no parent task runs it and there are no clone flags); {@code file_open}, {@code inode_unlink} and {@code inode_rename} are for the
 * filesystem model to call, {@code bprm_committed_creds} for its execve.
 *
 * <p>Pointer arguments are arena addresses of the structs the model kernel BTF declares
 * (src/main/btf/model-kernel.c), so programs read their fields; the filesystem hooks take them
 * from their caller:
 * <ul>
 *   <li>{@code struct inode}: {@code i_mode} at 0 (u16), {@code i_uid} 4, {@code i_gid} 8,
 *       {@code i_flags} 12, {@code i_ino} 16 (u64), {@code i_nlink} 24, {@code i_size} 32; 40 bytes;</li>
 *   <li>{@code struct dentry}: {@code d_parent} 0, {@code d_name} 8 ({@code hash} 8, {@code len} 12,
 *       {@code name} 16), {@code d_inode} 24; 32 bytes;</li>
 *   <li>{@code struct file}: {@code f_path} 0 ({@code mnt} 0, {@code dentry} 8), {@code f_inode} 16,
 *       {@code f_flags} 24, {@code f_mode} 28; 32 bytes.</li>
 * </ul>
 * The socket hooks take the socket's own {@code struct socket} (kernel.net's {@code Socket.sock()},
 * laid out from the model kernel BTF), whose {@code sk} is the socket's {@code struct sock}: the
 * same pointer fentry on {@code bpf_sk_storage_free} and the sk storage helpers see.
 */
public final class Lsm {
    /** {@code struct sockaddr_in6}, the larger of the two addresses. */
    static final int SOCKADDR_SIZE = 28;

    private final Runtime rt;
    private final Trampoline bpf, bpfMap, bpfProg, socketPostCreate, socketBind, socketConnect, fileOpen, inodeUnlink,
            inodeRename, bprmCommittedCreds;

    public Lsm(Runtime rt) {
        this.rt = rt;
        Trampolines t = rt.trampolines();
        this.bpf = t.of("bpf_lsm_bpf");
        this.bpfMap = t.of("bpf_lsm_bpf_map");
        this.bpfProg = t.of("bpf_lsm_bpf_prog");
        this.socketPostCreate = t.of("bpf_lsm_socket_post_create");
        this.socketBind = t.of("bpf_lsm_socket_bind");
        this.socketConnect = t.of("bpf_lsm_socket_connect");
        this.fileOpen = t.of("bpf_lsm_file_open");
        this.inodeUnlink = t.of("bpf_lsm_inode_unlink");
        this.inodeRename = t.of("bpf_lsm_inode_rename");
        this.bprmCommittedCreds = t.of("bpf_lsm_bprm_committed_creds");
    }

    /**
     * The errno of a hook's result for the operation's caller (an LSM program may return any
     * value in [-4095, -1]; one the model has no name for reads as EPERM).
     */
    public static org.ebpf4j.uapi.Errno errno(int err) {
        org.ebpf4j.uapi.Errno e = org.ebpf4j.uapi.Errno.of(err);
        return e == null ? org.ebpf4j.uapi.Errno.EPERM : e;
    }

    /** Throws the operation's failure when a hook refused it ({@code err} non-zero). */
    public static void check(int err, String what) {
        if (err != 0) {
            throw new org.ebpf4j.uapi.BpfException(errno(err), what + ": refused by a BPF LSM program");
        }
    }

    private static int hook(Trampoline tr, Task task, long... args) {
        if (tr.idle()) {
            return 0;
        }
        return (int) tr.call(task, args, () -> 0);
    }

    /**
     * {@code security_bpf(cmd, attr, size, kernel)} at the start of every bpf(2) command
     * ({@code __sys_bpf}, after the attributes are copied in). The attr pointer is not modelled (0).
     */
    public int bpf(Task task, int cmd) { return hook(bpf, task, cmd, 0, 0, 0); }

    /** {@code security_bpf_map(map, fmode)}: a map fd is about to be handed out; the map pointer is its address. */
    public int bpfMap(Task task, long mapAddr, int fmode) { return hook(bpfMap, task, mapAddr, fmode); }

    /** {@code security_bpf_prog(prog)}: a program fd is about to be handed out (the prog pointer is not modelled: 0). */
    public int bpfProg(Task task) { return hook(bpfProg, task, 0); }

    /** {@code security_file_open(file)}: {@code file} is the arena address of a {@code struct file}. */
    public int fileOpen(Task task, long file) { return hook(fileOpen, task, file); }

    /** {@code security_inode_unlink(dir, dentry)}: arena addresses of the parent's inode and the victim's dentry. */
    public int inodeUnlink(Task task, long dirInode, long dentry) { return hook(inodeUnlink, task, dirInode, dentry); }

    /** {@code security_inode_rename(old_dir, old_dentry, new_dir, new_dentry)} (flags are not passed to the hook). */
    public int inodeRename(Task task, long oldDir, long oldDentry, long newDir, long newDentry) {
        return hook(inodeRename, task, oldDir, oldDentry, newDir, newDentry);
    }

    /**
     * {@code security_bprm_committed_creds(bprm)} of {@code begin_new_exec}, once the new
     * credentials are committed: a void hook (its programs run as fexit, their return values
     * ignored) on which sleepable programs are allowed. {@code bprm} is the arena address of a
     * {@code struct linux_binprm}.
     */
    public void bprmCommittedCreds(Task task, long bprm) { hook(bprmCommittedCreds, task, bprm); }

    /**
     * {@code security_socket_post_create(sock, family, type, protocol, kern)} of {@code __sock_create}:
     * {@code sock} is the arena address of the new socket's {@code struct socket} ({@code sock->sk} set).
     */
    public int socketPostCreate(Task task, long sock, int family, int type, int protocol) {
        return hook(socketPostCreate, task, sock, family, type, protocol, 0);
    }

    /**
     * {@code security_socket_bind(sock, address, addrlen)} of {@code __sys_bind}, before the
     * protocol's bind: {@code sockaddr} is the address as the user passed it (sockaddr_in / _in6 bytes).
     */
    public int socketBind(Task task, long sock, byte[] sockaddr) { return sockAddrHook(socketBind, task, sock, sockaddr); }

    /** {@code security_socket_connect(sock, address, addrlen)} of {@code __sys_connect}. */
    public int socketConnect(Task task, long sock, byte[] sockaddr) {
        return sockAddrHook(socketConnect, task, sock, sockaddr);
    }

    private int sockAddrHook(Trampoline tr, Task task, long sock, byte[] sockaddr) {
        if (tr.idle()) {
            return 0;
        }
        Arena arena = rt.arena();
        long addr = arena.alloc(SOCKADDR_SIZE);
        if (addr == 0) {
            return org.ebpf4j.uapi.Errno.ENOMEM.negative();
        }
        try {
            int n = Math.min(sockaddr.length, SOCKADDR_SIZE);
            for (int i = 0; i < SOCKADDR_SIZE; i++) {
                arena.store8(addr + i, i < n ? sockaddr[i] : 0);
            }
            return hook(tr, task, sock, addr, n);
        } finally {
            arena.free(addr, SOCKADDR_SIZE);
        }
    }
}
