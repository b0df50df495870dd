// SPDX-License-Identifier: GPL-2.0
/* CGRP_STORAGE from tp_btf/sys_enter through task->cgroups->dfl_cgrp
 * (seed: Documentation/bpf/map_cgrp_storage.rst). */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, long);
} cgrp_storage SEC(".maps");

SEC("tp_btf/sys_enter")
int on_enter(__u64 *ctx)
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
