// SPDX-License-Identifier: GPL-2.0
/* CO-RE relocations against the modelled kernel structs: field offsets through BPF_CORE_READ,
 * field existence, a field the model lacks, type existence/size and enum values. */
#include "common.h"

__u64 out[8];

SEC("tp_btf/sched_switch")
int core_reads(__u64 *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();

	out[0] = BPF_CORE_READ(task, cgroups, dfl_cgrp, level);
	out[1] = BPF_CORE_READ(task, pid);
	out[2] = bpf_core_field_exists(task->tgid);
	out[3] = bpf_core_field_exists(((struct task_struct___future *)task)->not_in_model);
	out[4] = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	out[5] = bpf_core_type_exists(struct css_set);
	out[6] = bpf_core_type_size(struct cgroup);
	out[7] = bpf_core_field_size(task->comm);
	return 0;
}

char _license[] SEC("license") = "GPL";
