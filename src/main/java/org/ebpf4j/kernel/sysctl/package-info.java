/**
 * The modelled {@code /proc/sys} and its {@code cgroup/sysctl} hook (fs/proc/proc_sysctl.c,
 * {@code __cgroup_bpf_run_filter_sysctl} and the {@code bpf_sysctl_*} helpers of
 * kernel/bpf/cgroup.c): {@link org.ebpf4j.kernel.sysctl.Sysctl} is the tree tasks read and write
 * ({@code Runtime.sysctl()}), {@link org.ebpf4j.kernel.sysctl.SysctlTable} an entry,
 * {@link org.ebpf4j.kernel.sysctl.SysctlCtxAccess} the {@code struct bpf_sysctl} access rules and
 * {@link org.ebpf4j.kernel.sysctl.SysctlHelpers} helpers 101-104.
 */
package org.ebpf4j.kernel.sysctl;
