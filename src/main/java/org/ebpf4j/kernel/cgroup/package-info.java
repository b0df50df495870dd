/**
 * The cgroup v2 hierarchy and cgroup BPF attachment (kernel/bpf/cgroup.c; spec
 * {@code spec-cgroup-attach-link.md} §1–§7): {@link org.ebpf4j.kernel.cgroup.CgroupTree} (mkdir,
 * rmdir, the cgroup mutex, release), {@link org.ebpf4j.kernel.cgroup.CgroupBpf} (attach, detach,
 * link replace, query, effective arrays), {@link org.ebpf4j.kernel.cgroup.CgroupRunner} (run a
 * hook's effective array and combine the results). Written against
 * {@link org.ebpf4j.kernel.cgroup.CgroupProg} and {@link org.ebpf4j.kernel.cgroup.CgroupLinkRef}
 * so it does not depend on how programs are loaded or links are held.
 *
 * <pre>{@code
 * Cgroup cg = runtime.cgroups().lookup("/app");          // the socket's cgroup
 * int verdict = new CgroupRunner(runtime.rcu()).run(cg, CgroupHook.INET_EGRESS, skbAddr);
 * // NET_XMIT_SUCCESS / NET_XMIT_CN → transmit; NET_XMIT_DROP / -EPERM → drop
 * }</pre>
 */
package org.ebpf4j.kernel.cgroup;
