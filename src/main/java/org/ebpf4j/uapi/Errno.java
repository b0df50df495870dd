package org.ebpf4j.uapi;

/**
 * Linux errno values (x86-64, {@code include/uapi/asm-generic/errno*.h}) as bpf(2) returns them.
 * ENOTSUPP (524) is the kernel-internal code that leaks to userspace from BPF and is kept apart
 * from EOPNOTSUPP (95), as callers can tell them apart on Linux.
 */
public enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    ESRCH(3, "No such process"),
    EINTR(4, "Interrupted system call"),
    EIO(5, "Input/output error"),
    ENXIO(6, "No such device or address"),
    E2BIG(7, "Argument list too long"),
    ENOEXEC(8, "Exec format error"),
    EBADF(9, "Bad file descriptor"),
    ECHILD(10, "No child processes"),
    EAGAIN(11, "Resource temporarily unavailable"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EFAULT(14, "Bad address"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    EXDEV(18, "Invalid cross-device link"),
    ENODEV(19, "No such device"),
    ENOTDIR(20, "Not a directory"),
    EISDIR(21, "Is a directory"),
    EINVAL(22, "Invalid argument"),
    ENFILE(23, "Too many open files in system"),
    EMFILE(24, "Too many open files"),
    ENOTTY(25, "Inappropriate ioctl for device"),
    EFBIG(27, "File too large"),
    ENOSPC(28, "No space left on device"),
    ESPIPE(29, "Illegal seek"),
    EROFS(30, "Read-only file system"),
    EMLINK(31, "Too many links"),
    EPIPE(32, "Broken pipe"),
    EDOM(33, "Numerical argument out of domain"),
    ERANGE(34, "Numerical result out of range"),
    EDEADLK(35, "Resource deadlock avoided"),
    ENAMETOOLONG(36, "File name too long"),
    ENOSYS(38, "Function not implemented"),
    ENOTEMPTY(39, "Directory not empty"),
    ELOOP(40, "Too many levels of symbolic links"),
    ENOLINK(67, "Link has been severed"),
    EPROTO(71, "Protocol error"),
    EBADMSG(74, "Bad message"),
    EOVERFLOW(75, "Value too large for defined data type"),
    EBADFD(77, "File descriptor in bad state"),
    ENOTSOCK(88, "Socket operation on non-socket"),
    EDESTADDRREQ(89, "Destination address required"),
    EMSGSIZE(90, "Message too long"),
    EPROTOTYPE(91, "Protocol wrong type for socket"),
    ENOPROTOOPT(92, "Protocol not available"),
    EPROTONOSUPPORT(93, "Protocol not supported"),
    EOPNOTSUPP(95, "Operation not supported"),
    EAFNOSUPPORT(97, "Address family not supported by protocol"),
    EADDRINUSE(98, "Address already in use"),
    EADDRNOTAVAIL(99, "Cannot assign requested address"),
    ENETUNREACH(101, "Network is unreachable"),
    ECONNABORTED(103, "Software caused connection abort"),
    ECONNRESET(104, "Connection reset by peer"),
    ENOBUFS(105, "No buffer space available"),
    EISCONN(106, "Transport endpoint is already connected"),
    ENOTCONN(107, "Transport endpoint is not connected"),
    ETIMEDOUT(110, "Connection timed out"),
    ECONNREFUSED(111, "Connection refused"),
    EALREADY(114, "Operation already in progress"),
    EINPROGRESS(115, "Operation now in progress"),
    ESTALE(116, "Stale file handle"),
    ENOTSUPP(524, "Operation is not supported (kernel-internal ENOTSUPP, distinct from EOPNOTSUPP)");

    private static final Errno[] BY_VALUE = new Errno[525];

    static {
        for (Errno e : values()) {
            BY_VALUE[e.value] = e;
        }
    }

    private final int value;
    private final String text;

    Errno(int value, String text) {
        this.value = value;
        this.text = text;
    }

    /** The positive errno number. */
    public int value() { return value; }

    /** The negative form that kernel functions and our program-path ops return. */
    public int negative() { return -value; }

    /** strerror() text. */
    public String text() { return text; }

    /** The errno with number {@code value} (positive or negative), or null if unknown. */
    public static Errno of(int value) {
        int v = Math.abs(value);
        return v < BY_VALUE.length ? BY_VALUE[v] : null;
    }

    /**
     * Kernel convention: a negative return is -errno. Throws {@link BpfException} for one,
     * returns {@code ret} unchanged otherwise.
     */
    public static long check(long ret, String what) {
        if (ret < 0 && ret >= -4095) {
            Errno e = of((int) ret);
            throw new BpfException(e != null ? e : EINVAL, what + ": " + (e != null ? e.text : "error " + ret));
        }
        return ret;
    }
}
