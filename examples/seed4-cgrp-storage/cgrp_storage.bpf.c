// SPDX-License-Identifier: GPL-2.0
/* Seed 4 (Documentation/bpf/map_cgrp_storage.rst): count the syscalls of every cgroup's
 * processes in CGRP_STORAGE, from tp_btf/sys_enter through task->cgroups->dfl_cgrp. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, long);
} cgrp_storage SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(on_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	long *ptr;

	ptr = bpf_cgrp_storage_get(&cgrp_storage, task->cgroups->dfl_cgrp, 0,
				   BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ptr)
		__sync_fetch_and_add(ptr, 1);
	return 0;
}

char _license[] SEC("license") = "GPL";
