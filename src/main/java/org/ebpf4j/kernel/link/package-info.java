/**
 * Cgroup bpf_links and the bpf(2) commands that attach to cgroups
 * ({@link org.ebpf4j.kernel.link.CgroupAttachCommands}: PROG_ATTACH/DETACH/QUERY,
 * LINK_CREATE/UPDATE/DETACH; kernel/bpf/syscall.c, cgroup.c; spec §2.2, §3, §6, §7).
 */
package org.ebpf4j.kernel.link;
