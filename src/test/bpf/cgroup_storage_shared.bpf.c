// SPDX-License-Identifier: GPL-2.0
/* One CGROUP_STORAGE shared by an egress and an ingress program (seed: YiFei Zhu's series). */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_STORAGE);
	__type(key, struct bpf_cgroup_storage_key);
	__type(value, __u64);
} cg_storage SEC(".maps");

static __always_inline int bump(void)
{
	__u64 *v = bpf_get_local_storage(&cg_storage, 0);

	__sync_fetch_and_add(v, 1);
	return 1;
}

SEC("cgroup_skb/egress")
int egress(struct __sk_buff *skb)
{
	return bump();
}

SEC("cgroup_skb/ingress")
int ingress(struct __sk_buff *skb)
{
	return bump();
}

char _license[] SEC("license") = "GPL";
