package org.ebpf4j.kernel.trace;

/**
 * The x86-64 syscall numbers of the syscalls ebpf4j models
 * (arch/x86/entry/syscalls/syscall_64.tbl): what {@code sys_enter} programs see as {@code id}
 * and in {@code regs->orig_ax}.
 */
public final class SyscallNr {
    private SyscallNr() {}

    public static final int WRITE = 1;
    public static final int CLOSE = 3;
    public static final int SOCKET = 41;
    public static final int CONNECT = 42;
    public static final int ACCEPT = 43;
    public static final int SENDTO = 44;
    public static final int RECVFROM = 45;
    public static final int SENDMSG = 46;
    public static final int RECVMSG = 47;
    public static final int BIND = 49;
    public static final int LISTEN = 50;
    public static final int GETSOCKNAME = 51;
    public static final int GETPEERNAME = 52;
    public static final int SETSOCKOPT = 54;
    public static final int GETSOCKOPT = 55;
    public static final int MKDIR = 83;
    public static final int RMDIR = 84;
    public static final int OPENAT = 257;
    public static final int BPF = 321;
    public static final int PIDFD_OPEN = 434;
}
