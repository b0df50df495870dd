// SPDX-License-Identifier: GPL-2.0
/* Sockopt programs that keep per-socket state in SK_STORAGE reached through ctx->sk, in the
 * spirit of the upstream selftest sockopt_sk (our own code; kernel/bpf/cgroup.c
 * cg_sockopt_func_proto, net/core/bpf_sk_storage.c; spec §5.3):
 *  - SOL_CUSTOM: an option level no protocol knows. setsockopt keeps the byte in the socket's
 *    storage and bypasses the kernel (optlen = -1); getsockopt clears the kernel's
 *    EOPNOTSUPP (do_ip_getsockopt) and answers from the storage.
 *  - SOL_SOCKET SO_PRIORITY: setsockopt caps the value at 6 in place; getsockopt leaves the
 *    kernel's answer alone (optlen = 0 keeps what the kernel wrote).
 *  - SOL_IP IP_TOS: getsockopt overrides the kernel's value with 0x28 and a 1-byte length.
 *  - SOL_TCP TCP_CONGESTION: setsockopt asks for "reno" whatever the caller said, writing a
 *    longer buffer than the caller's (up to 16 bytes are allowed).
 * Each program counts its calls in the storage. */
#include "common.h"

#define SOL_SOCKET 1
#define SOL_IP 0
#define SOL_TCP 6
#define SOL_CUSTOM 0xdeadbeef
#define SO_PRIORITY 12
#define IP_TOS 1
#define TCP_CONGESTION 13

struct sk_opts {
	__u32 set_calls;
	__u32 get_calls;
	__u32 custom;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sk_opts);
} sk_opts SEC(".maps");

SEC("cgroup/setsockopt")
int sk_set(struct bpf_sockopt *ctx)
{
	__u8 *optval = ctx->optval, *end = ctx->optval_end;
	struct bpf_sock *sk = ctx->sk;
	struct sk_opts *st;

	if (!sk)
		return 1;
	st = bpf_sk_storage_get(&sk_opts, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st)
		return 0;
	st->set_calls++;

	if (ctx->level == (int)SOL_CUSTOM) {
		if (optval + 1 > end)
			return 0;
		st->custom = optval[0];
		ctx->optlen = -1;		/* handled here: the kernel never sees it */
		return 1;
	}
	if (ctx->level == SOL_SOCKET && ctx->optname == SO_PRIORITY) {
		if (optval + 4 > end)
			return 0;
		if (*(__s32 *)optval > 6)
			*(__s32 *)optval = 6;
		return 1;
	}
	if (ctx->level == SOL_TCP && ctx->optname == TCP_CONGESTION) {
		if (optval + 5 > end)
			return 0;
		optval[0] = 'r';
		optval[1] = 'e';
		optval[2] = 'n';
		optval[3] = 'o';
		optval[4] = 0;
		ctx->optlen = 5;
		return 1;
	}
	return 1;
}

SEC("cgroup/getsockopt")
int sk_get(struct bpf_sockopt *ctx)
{
	__u8 *optval = ctx->optval, *end = ctx->optval_end;
	struct bpf_sock *sk = ctx->sk;
	struct sk_opts *st;

	if (!sk)
		return 1;
	st = bpf_sk_storage_get(&sk_opts, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st)
		return 0;
	st->get_calls++;

	if (ctx->level == (int)SOL_CUSTOM) {
		if (optval + 4 > end)
			return 0;
		*(__u32 *)optval = st->custom;
		ctx->optlen = 4;
		/* keep the two 4-byte stores apart: clang merges them into one 8-byte store at
		 * optlen, which cg_sockopt_is_valid_access refuses (found running on the host) */
		asm volatile("" ::: "memory");
		ctx->retval = 0;		/* the kernel said EOPNOTSUPP */
		return 1;
	}
	if (ctx->level == SOL_SOCKET && ctx->optname == SO_PRIORITY) {
		ctx->optlen = 0;		/* keep what the kernel wrote */
		return 1;
	}
	if (ctx->level == SOL_IP && ctx->optname == IP_TOS) {
		if (optval + 1 > end)
			return 0;
		optval[0] = 0x28;
		ctx->optlen = 1;
		return 1;
	}
	return 1;
}

char _license[] SEC("license") = "GPL";
