package org.ebpf4j.kernel.sysctl;

import java.util.List;

/**
 * One entry of the modelled {@code /proc/sys} tree: the {@code struct ctl_table} a sysctl file
 * stands for (include/linux/sysctl.h). Only what BPF can observe is kept: the path (whose
 * components {@code bpf_sysctl_get_name} copies), how its text is produced and parsed (the
 * {@code proc_handler}), whether it is writable (its mode) and the value it boots with.
 *
 * @param path     the path under /proc/sys, components separated by '/', e.g. {@code net/core/somaxconn}
 * @param handler  the proc handler family
 * @param ints     for {@link Handler#INTVEC}: the number of integers in the vector; for
 *                 {@link Handler#STRING}: {@code maxlen} (the buffer size, terminating NUL included)
 * @param writable false for a 0444 entry (open for writing fails with EACCES before any hook)
 * @param initial  the boot value as the handler would store it (INTVEC: integers separated by tabs)
 * @param min      INTVEC: the smallest value the handler accepts ({@code extra1} of the _minmax handlers)
 * @param max      INTVEC: the largest ({@code extra2}, or the C type's limit)
 */
public record SysctlTable(String path, Handler handler, int ints, boolean writable, String initial, long min, long max) {
    /** The proc handlers modelled (kernel/sysctl.c). */
    public enum Handler {
        /** {@code proc_dostring}: text read from the file position on, written (strict mode) at it. */
        STRING,
        /** {@code proc_dointvec_minmax}/{@code proc_doulongvec_minmax}: integers read at position 0 only. */
        INTVEC,
        /** {@code ipv4_local_port_range}: an INTVEC of two whose first may not exceed the second. */
        RANGE
    }

    /** A string entry of {@code maxlen} bytes. */
    public static SysctlTable string(String path, int maxlen, boolean writable, String initial) {
        return new SysctlTable(path, Handler.STRING, maxlen, writable, initial, 0, 0);
    }

    /** A vector of {@code n} integers within [{@code min}, {@code max}]. */
    public static SysctlTable ints(String path, int n, long min, long max, String initial) {
        return new SysctlTable(path, Handler.INTVEC, n, true, initial, min, max);
    }

    public SysctlTable {
        if (path == null || path.isEmpty() || path.startsWith("/") || path.endsWith("/") || path.contains("//")) {
            throw new IllegalArgumentException("sysctl path '" + path + "' must be relative components like net/core/somaxconn");
        }
        if (ints <= 0) {
            throw new IllegalArgumentException("sysctl " + path + ": size " + ints + " must be positive");
        }
    }

    /** The last component: {@code table->procname}, what BPF_F_SYSCTL_BASE_NAME asks for. */
    public String procname() { return path.substring(path.lastIndexOf('/') + 1); }

    /**
     * The entries a new runtime boots with: a handful from a stock Linux 6.18 x86-64 (values of a
     * 4 GiB machine where they depend on memory).
     */
    public static List<SysctlTable> defaults() {
        return List.of(
                string("kernel/ostype", 65, false, "Linux"),
                string("kernel/hostname", 65, true, "localhost"),
                string("kernel/domainname", 65, true, "(none)"),
                ints("net/core/somaxconn", 1, 0, Integer.MAX_VALUE, "4096"),
                new SysctlTable("net/ipv4/ip_local_port_range", Handler.RANGE, 2, true, "32768\t60999", 1, 65535),
                ints("net/ipv4/tcp_mem", 3, 0, Long.MAX_VALUE, "43827\t58436\t87654"),
                ints("net/ipv4/tcp_syncookies", 1, 0, 2, "1"));
    }
}
