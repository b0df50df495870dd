// SPDX-License-Identifier: GPL-2.0
/* spec-local-storage §10.1 LS-H10, after the upstream selftest progs/test_sk_storage_trace_itself.c:
 * a fentry program on bpf_sk_storage_free may not call bpf_sk_storage_get (the tracing variant is
 * refused for targets named bpf_sk_storage*), while one on another function may. */
#include "common.h"
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

struct sock;
struct socket {
	struct sock *sk;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, int);
} sk_stg_map SEC(".maps");

SEC("fentry/bpf_sk_storage_free")
int BPF_PROG(trace_bpf_sk_storage_free, struct sock *sk)
{
	int *value;

	value = bpf_sk_storage_get(&sk_stg_map, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (value)
		*value = 1;
	return 0;
}

SEC("fentry/bpf_lsm_socket_post_create")
int BPF_PROG(trace_post_create, struct socket *sock)
{
	int *value;

	value = bpf_sk_storage_get(&sk_stg_map, sock->sk, 0, 0);
	if (value)
		*value += 1;
	return 0;
}
