// SPDX-License-Identifier: GPL-2.0
/* Counts egress packets per socket in SK_STORAGE (seed: sk storage packet counter). */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} pkt_count SEC(".maps");

SEC("cgroup_skb/egress")
int count_egress(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;
	__u64 *cnt;

	if (!sk)
		return 1;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return 1;
	cnt = bpf_sk_storage_get(&pkt_count, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	return 1;
}

char _license[] SEC("license") = "GPL";
