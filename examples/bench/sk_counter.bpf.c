// SPDX-License-Identifier: GPL-2.0
// Seed 3's per-socket packet counter, two ways: SK_STORAGE (bpf_sk_storage_get + increment) and
// its twin, a HASH keyed by bpf_get_socket_cookie(). Each returns 1 when the count it just made is
// 1, so one TEST_RUN call (a fresh dummy socket per call, kernel-observed-6.18.md) returns 1 on
// both sides, and a repeated call returns 0 once the socket has been counted before.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} sk_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} cookie_map SEC(".maps");

SEC("cgroup_skb/egress")
int sk_storage_count(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;
	__u64 *cnt;

	if (!sk)
		return 1;
	cnt = bpf_sk_storage_get(&sk_map, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!cnt)
		return 1;
	return __sync_add_and_fetch(cnt, 1) == 1;
}

SEC("cgroup_skb/egress")
int hash_count(struct __sk_buff *skb)
{
	__u64 cookie = bpf_get_socket_cookie(skb);
	__u64 one = 1, *cnt;

	cnt = bpf_map_lookup_elem(&cookie_map, &cookie);
	if (!cnt) {
		bpf_map_update_elem(&cookie_map, &cookie, &one, BPF_NOEXIST);
		return 1;
	}
	return __sync_add_and_fetch(cnt, 1) == 1;
}

char LICENSE[] SEC("license") = "GPL";
