// SPDX-License-Identifier: GPL-2.0
/* A cgroup/sysctl guard: denies writes to net/core/somaxconn, replaces any value written to
 * net/ipv4/tcp_mem by "600 700 800", moves reads of kernel/hostname to file position 4, and
 * records what the sysctl helpers returned for the last access in an ARRAY map. */
#include "common.h"

struct rec {
	char name[64];		/* bpf_sysctl_get_name(ctx, name, 64, 0) */
	char base[16];		/* ... BPF_F_SYSCTL_BASE_NAME */
	char small[8];		/* full name into 8 bytes: truncated */
	char cur[32];		/* bpf_sysctl_get_current_value */
	char newv[32];		/* bpf_sysctl_get_new_value */
	__s64 name_ret;
	__s64 base_ret;
	__s64 small_ret;
	__s64 cur_ret;
	__s64 new_ret;
	__s64 set_ret;
	__u64 parsed;		/* bpf_strtoul of the current value */
	__s64 parse_ret;
	__u32 write;
	__u32 pos;
	__u64 runs;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rec);
} last SEC(".maps");

static __always_inline int is(const char *s, const char *want, int n)
{
#pragma unroll
	for (int i = 0; i < n; i++)
		if (s[i] != want[i])
			return 0;
	return 1;
}

SEC("cgroup/sysctl")
int sysctl_guard(struct bpf_sysctl *ctx)
{
	__u32 k = 0;
	struct rec *r = bpf_map_lookup_elem(&last, &k);

	if (!r)
		return 1;
	r->runs++;
	r->write = ctx->write;
	r->pos = ctx->file_pos;
	r->name_ret = bpf_sysctl_get_name(ctx, r->name, sizeof(r->name), 0);
	r->base_ret = bpf_sysctl_get_name(ctx, r->base, sizeof(r->base), BPF_F_SYSCTL_BASE_NAME);
	r->small_ret = bpf_sysctl_get_name(ctx, r->small, sizeof(r->small), 0);
	r->cur_ret = bpf_sysctl_get_current_value(ctx, r->cur, sizeof(r->cur));
	r->new_ret = bpf_sysctl_get_new_value(ctx, r->newv, sizeof(r->newv));
	r->parse_ret = bpf_strtoul(r->cur, sizeof(r->cur), 0, (unsigned long *)&r->parsed);

	if (is(r->base, "somaxconn", 10) && ctx->write)
		return 0;
	if (is(r->base, "tcp_mem", 8) && ctx->write) {
		char v[12] = "600 700 800";

		r->set_ret = bpf_sysctl_set_new_value(ctx, v, 11);
	}
	if (is(r->base, "hostname", 9) && !ctx->write)
		ctx->file_pos = 4;
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
