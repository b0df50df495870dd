// SPDX-License-Identifier: GPL-2.0
/* Sockopt programs meant for a parent cgroup and its child, in the spirit of the upstream
 * selftest sockopt_multi (our own code): the chain runs child first, then parent, and each
 * program sees what the previous one wrote (kernel/bpf/cgroup.c
 * __cgroup_bpf_run_filter_{get,set}sockopt; spec §5.1, §5.3).
 *
 * IP_TOS getsockopt: the child expects the kernel's 0x80 and makes it 0x90, the parent expects
 * 0x90 and makes it 0xA0; either refuses (returns 0) when its input is not what it expects, so
 * the outcome tells which programs ran in which order.
 * IP_TOS setsockopt: every program adds 0x10 before the kernel stores the value.
 * SO_PRIORITY getsockopt: set_eunatch fails the call with -EUNATCH through bpf_set_retval;
 * see_retval records what bpf_get_retval() and ctx->retval say when it runs. */
#include "common.h"

#define SOL_IP 0
#define IP_TOS 1
#define SOL_SOCKET 1
#define SO_PRIORITY 12
#define SO_UNKNOWN 9999		/* no such option: the kernel's own ENOPROTOOPT reaches the chain */
#define EUNATCH 49

/* [0]: bpf_get_retval() seen by see_retval, [1]: its ctx->retval, [2]: its runs */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __s32);
} seen SEC(".maps");

static __always_inline int tos_step(struct bpf_sockopt *ctx, __u8 want, __u8 next)
{
	__u8 *optval = ctx->optval;

	if (ctx->level != SOL_IP || ctx->optname != IP_TOS)
		return 1;
	if (optval + 1 > (__u8 *)ctx->optval_end)
		return 0;
	if (optval[0] != want)
		return 0;
	optval[0] = next;
	return 1;
}

SEC("cgroup/getsockopt")
int get_child(struct bpf_sockopt *ctx)
{
	return tos_step(ctx, 0x80, 0x90);
}

SEC("cgroup/getsockopt")
int get_parent(struct bpf_sockopt *ctx)
{
	return tos_step(ctx, 0x90, 0xA0);
}

SEC("cgroup/setsockopt")
int set_add(struct bpf_sockopt *ctx)
{
	__u8 *optval = ctx->optval;

	if (ctx->level != SOL_IP || ctx->optname != IP_TOS)
		return 1;
	if (optval + 1 > (__u8 *)ctx->optval_end)
		return 0;
	optval[0] += 0x10;
	return 1;
}

SEC("cgroup/getsockopt")
int set_eunatch(struct bpf_sockopt *ctx)
{
	if (ctx->level == SOL_SOCKET && ctx->optname == SO_PRIORITY)
		bpf_set_retval(-EUNATCH);
	return 1;
}

SEC("cgroup/getsockopt")
int deny(struct bpf_sockopt *ctx)
{
	return ctx->level == SOL_SOCKET && ctx->optname == SO_PRIORITY ? 0 : 1;
}

SEC("cgroup/getsockopt")
int see_retval(struct bpf_sockopt *ctx)
{
	__u32 k0 = 0, k1 = 1, k2 = 2;
	__s32 *v;

	if (ctx->level != SOL_SOCKET || (ctx->optname != SO_PRIORITY && ctx->optname != SO_UNKNOWN))
		return 1;
	v = bpf_map_lookup_elem(&seen, &k0);
	if (v)
		*v = bpf_get_retval();
	v = bpf_map_lookup_elem(&seen, &k1);
	if (v)
		*v = ctx->retval;
	v = bpf_map_lookup_elem(&seen, &k2);
	if (v)
		*v += 1;
	return 1;
}

SEC("cgroup/getsockopt")
int clear_retval(struct bpf_sockopt *ctx)
{
	if (ctx->level == SOL_SOCKET && (ctx->optname == SO_PRIORITY || ctx->optname == SO_UNKNOWN))
		ctx->retval = 0;
	return 1;
}

char _license[] SEC("license") = "GPL";
