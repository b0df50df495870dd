/* Shared by the corpus: UAPI, libbpf's helper headers, and the subset of kernel structs that
 * ebpf4j models (the target BTF of CO-RE relocations). Fields are declared with
 * preserve_access_index so clang emits CO-RE relocations for them, as vmlinux.h would. */
#ifndef EBPF4J_CORPUS_COMMON_H
#define EBPF4J_CORPUS_COMMON_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/* Debian's UAPI headers are Linux 6.1's: name what 6.18 added with its number. */
#define BPF_MAP_TYPE_CGRP_STORAGE 32

struct cgroup {
	int level;
	__u64 kn_id;
} __attribute__((preserve_access_index));

struct css_set {
	struct cgroup *dfl_cgrp;
} __attribute__((preserve_access_index));

struct task_struct {
	int pid;
	int tgid;
	struct css_set *cgroups;
	char comm[16];
} __attribute__((preserve_access_index));

/* A field our model kernel does not have: CO-RE must poison or report non-existence. */
struct task_struct___future {
	long not_in_model;
} __attribute__((preserve_access_index));

enum cgroup_subsys_id {
	cpuset_cgrp_id,
	cpu_cgrp_id,
	memory_cgrp_id,
};

#endif
