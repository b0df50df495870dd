// SPDX-License-Identifier: GPL-2.0
/* spec-local-storage §1.12 LS-V1, the upstream selftest progs/task_ls_recursion.c as of the 7.0
 * series (no per-CPU busy counters): on_update is a fentry program on bpf_local_storage_update
 * that re-enters the storage code. The upstream on_lookup program (fentry on
 * bpf_local_storage_lookup) is gone: that function is inlined since Linux 6.9 and has no FUNC in
 * vmlinux BTF, in ebpf4j's model kernel BTF neither. */
#include "common.h"
#include <bpf/bpf_tracing.h>

#ifndef EBUSY
#define EBUSY 16
#endif

char _license[] SEC("license") = "GPL";
int nr_del_errs = 0;
int test_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, long);
} map_a SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, long);
} map_b SEC(".maps");

SEC("fentry/bpf_local_storage_update")
int BPF_PROG(on_update)
{
	struct task_struct *task = bpf_get_current_task_btf();
	long *ptr;

	if (!test_pid || task->pid != test_pid)
		return 0;

	ptr = bpf_task_storage_get(&map_a, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ptr) {
		int err;

		*ptr += 1;
		err = bpf_task_storage_delete(&map_a, task);
		if (err == -EBUSY)
			nr_del_errs++;
	}

	ptr = bpf_task_storage_get(&map_b, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ptr)
		*ptr += 1;

	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task;
	long *ptr;

	task = bpf_get_current_task_btf();
	if (!test_pid || task->pid != test_pid)
		return 0;

	ptr = bpf_task_storage_get(&map_a, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ptr && !*ptr)
		*ptr = 200;

	ptr = bpf_task_storage_get(&map_b, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ptr && !*ptr)
		*ptr = 100;
	return 0;
}
