package org.ebpf4j.elf;

import java.util.Map;

/**
 * Values for {@code extern ... __kconfig} variables, in {@code .config} syntax ({@code y},
 * {@code m}, {@code n}, numbers, quoted strings), as libbpf reads them from
 * {@code /proc/config.gz} plus its own {@code LINUX_*} values ({@code bpf_object__resolve_externs()}).
 *
 * @param values option name → value
 */
public record Kconfig(Map<String, String> values) {

    public Kconfig {
        values = Map.copyOf(values);
    }

    /** {@code KERNEL_VERSION(a, b, c)} of {@code linux/version.h}. */
    public static int kernelVersion(int a, int b, int c) {
        return (a << 16) + (b << 8) + Math.min(c, 255);
    }

    /** The kernel ebpf4j models: Linux 6.18 with BPF, cgroups and BTF enabled. */
    public static Kconfig model() {
        return new Kconfig(Map.ofEntries(
                Map.entry("LINUX_KERNEL_VERSION", Integer.toString(kernelVersion(6, 18, 0))),
                Map.entry("LINUX_HAS_BPF_COOKIE", "y"),
                Map.entry("LINUX_HAS_SYSCALL_WRAPPER", "y"),
                Map.entry("CONFIG_BPF", "y"),
                Map.entry("CONFIG_BPF_SYSCALL", "y"),
                Map.entry("CONFIG_BPF_JIT", "y"),
                Map.entry("CONFIG_BPF_LSM", "y"),
                Map.entry("CONFIG_CGROUPS", "y"),
                Map.entry("CONFIG_CGROUP_BPF", "y"),
                Map.entry("CONFIG_DEBUG_INFO_BTF", "y"),
                Map.entry("CONFIG_HZ", "1000"),
                Map.entry("CONFIG_NR_CPUS", "8192"),
                Map.entry("CONFIG_PAGE_SIZE", "4096"),
                Map.entry("CONFIG_64BIT", "y"),
                Map.entry("CONFIG_X86_64", "y")));
    }
}
