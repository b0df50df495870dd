// SPDX-License-Identifier: GPL-2.0
/* TASK_STORAGE from tp_btf/sys_enter: per-task syscall counters, keyed from user space by pidfd;
 * also reads what the current-task helpers give (pid through the task pointer, the cgroup ids,
 * the syscall number through bpf_task_pt_regs). */
#include "common.h"

struct pt_regs {
	unsigned long orig_ax;
	unsigned long di;
} __attribute__((preserve_access_index));

struct task_stats {
	__u64 count;
	__u64 last_id;
	__u64 regs_nr;
	__u64 regs_arg0;
	__u64 cgroup_id;
	__u64 level1_cgroup_id;
	__u64 kn_cgroup_id;
	__u32 pid;
	__u32 tgid;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_stats);
} task_stats SEC(".maps");

struct cgroup___kn {
	struct kernfs_node *kn;
} __attribute__((preserve_access_index));

struct kernfs_node {
	__u64 id;
} __attribute__((preserve_access_index));

SEC("tp_btf/sys_enter")
int count_task(__u64 *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	struct cgroup___kn *cg = (void *)task->cgroups->dfl_cgrp;
	struct task_stats *s;

	s = bpf_task_storage_get(&task_stats, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s)
		return 0;
	__sync_fetch_and_add(&s->count, 1);
	s->last_id = ctx[1];
	s->regs_nr = regs->orig_ax;
	s->regs_arg0 = regs->di;
	s->cgroup_id = bpf_get_current_cgroup_id();
	s->level1_cgroup_id = bpf_get_current_ancestor_cgroup_id(1);
	s->kn_cgroup_id = cg->kn->id;
	s->pid = task->pid;
	s->tgid = task->tgid;
	__builtin_memcpy(s->comm, task->comm, sizeof(s->comm));
	return 0;
}

char _license[] SEC("license") = "GPL";
