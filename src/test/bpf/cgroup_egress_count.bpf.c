// SPDX-License-Identifier: GPL-2.0
/* A cgroup_skb/egress program that counts its runs in an ARRAY and allows the packet: the
 * smallest object for attaching through the api (bpf_program__attach_cgroup). */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} runs SEC(".maps");

SEC("cgroup_skb/egress")
int count_egress(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&runs, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
	return 1;
}

char _license[] SEC("license") = "GPL";
