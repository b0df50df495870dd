// SPDX-License-Identifier: GPL-2.0
/* A setsockopt program that stores the value of a private option level in three SK_STORAGE
 * maps of the socket, two of them with BPF_F_CLONE, in the spirit of the upstream selftest
 * sockopt_inherit (our own code). A socket accepted from a listener starts with copies of the
 * BPF_F_CLONE storages only (net/core/bpf_sk_storage.c bpf_sk_storage_clone). */
#include "common.h"

#define SOL_CUSTOM 0xdeadbeef

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, __u32);
} cloned1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, __u32);
} cloned2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} listener_only SEC(".maps");

static __always_inline void put(void *map, struct bpf_sock *sk, __u32 v)
{
	__u32 *p = bpf_sk_storage_get(map, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);

	if (p)
		*p = v;
}

SEC("cgroup/setsockopt")
int keep_custom(struct bpf_sockopt *ctx)
{
	__u8 *optval = ctx->optval;
	struct bpf_sock *sk = ctx->sk;

	if (ctx->level != (int)SOL_CUSTOM)
		return 1;
	if (!sk || optval + 4 > (__u8 *)ctx->optval_end)
		return 0;
	put(&cloned1, sk, *(__u32 *)optval);
	put(&cloned2, sk, *(__u32 *)optval + 1);
	put(&listener_only, sk, *(__u32 *)optval + 2);
	ctx->optlen = -1;
	return 1;
}

char _license[] SEC("license") = "GPL";
