/* The part of vmlinux.h the seed 4 example needs, as bpftool would dump it, with
 * preserve_access_index so every field access is a CO-RE relocation (ebpf4j relocates them
 * against its model kernel's BTF, Linux against /sys/kernel/btf/vmlinux). */
#ifndef EBPF4J_EXAMPLE_VMLINUX_H
#define EBPF4J_EXAMPLE_VMLINUX_H

#include <linux/types.h>
#include <linux/bpf.h>

#define BPF_MAP_TYPE_CGRP_STORAGE 32

struct kernfs_node {
	__u64 id;
} __attribute__((preserve_access_index));

struct cgroup {
	struct kernfs_node *kn;
	int level;
} __attribute__((preserve_access_index));

struct css_set {
	struct cgroup *dfl_cgrp;
} __attribute__((preserve_access_index));

struct task_struct {
	int pid;
	struct css_set *cgroups;
} __attribute__((preserve_access_index));

struct pt_regs {
	unsigned long orig_ax;
} __attribute__((preserve_access_index));

#endif
