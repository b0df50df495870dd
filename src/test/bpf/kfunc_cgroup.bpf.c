// SPDX-License-Identifier: GPL-2.0
/* kfuncs from cgroup_skb, as the kernel-observed benchmark "cgrp_storage + 2 kfuncs" does:
 * bpf_cgroup_from_id(bpf_skb_cgroup_id(skb)), CGRP_STORAGE on that cgroup, then release.
 * acquire_again: bpf_cgroup_acquire on it. task_lookup: bpf_task_from_pid/bpf_task_release, recording the pid read through the pointer. */
#include "common.h"

extern struct cgroup *bpf_cgroup_from_id(__u64 cgid) __ksym;
extern void bpf_cgroup_release(struct cgroup *cgrp) __ksym;
extern struct cgroup *bpf_cgroup_acquire(struct cgroup *cgrp) __ksym;
extern struct task_struct *bpf_task_from_pid(__s32 pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, long);
} pkts SEC(".maps");

/* [0] the pid to look up (set from user space), [1] what task_lookup saw (pid, or -1 if NULL) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __s64);
} pids SEC(".maps");

SEC("cgroup_skb/egress")
int count_egress(struct __sk_buff *skb)
{
	struct cgroup *cg = bpf_cgroup_from_id(bpf_skb_cgroup_id(skb));
	long *n;

	if (!cg)
		return 1;
	n = bpf_cgrp_storage_get(&pkts, cg, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (n)
		__sync_fetch_and_add(n, 1);
	bpf_cgroup_release(cg);
	return 1;
}

/* A second reference through bpf_cgroup_acquire outlives the first: adds 10 per run. */
SEC("cgroup_skb/egress")
int acquire_again(struct __sk_buff *skb)
{
	struct cgroup *cg = bpf_cgroup_from_id(bpf_skb_cgroup_id(skb)), *again;
	long *n;

	if (!cg)
		return 1;
	again = bpf_cgroup_acquire(cg);
	bpf_cgroup_release(cg);
	if (!again)
		return 1;
	n = bpf_cgrp_storage_get(&pkts, again, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (n)
		__sync_fetch_and_add(n, 10);
	bpf_cgroup_release(again);
	return 1;
}

SEC("cgroup_skb/ingress")
int task_lookup(struct __sk_buff *skb)
{
	__u32 k0 = 0, k1 = 1;
	__s64 *want = bpf_map_lookup_elem(&pids, &k0);
	__s64 *seen = bpf_map_lookup_elem(&pids, &k1);
	struct task_struct *t;

	if (!want || !seen)
		return 1;
	t = bpf_task_from_pid(*want);
	if (!t) {
		*seen = -1;
		return 1;
	}
	*seen = BPF_CORE_READ(t, pid);
	bpf_task_release(t);
	return 1;
}

char _license[] SEC("license") = "GPL";
