// SPDX-License-Identifier: GPL-2.0
/* A setsockopt program writes per-cgroup configuration into CGRP_STORAGE; a connect4 program
 * reads it (seed: "per-cgroup configuration storage, written to by a setsockopt program and read
 * by a cg_sock_addr program"). */
#include "common.h"

struct cfg {
	__u32 port;
	__u32 hits;
};

struct {
	__uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct cfg);
} cgrp_cfg SEC(".maps");

SEC("cgroup/setsockopt")
int set_cfg(struct bpf_sockopt *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct cfg *c;

	c = bpf_cgrp_storage_get(&cgrp_cfg, task->cgroups->dfl_cgrp, 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (c)
		c->port = ctx->optname;
	return 1;
}

SEC("cgroup/connect4")
int read_cfg(struct bpf_sock_addr *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct cfg *c;

	c = bpf_cgrp_storage_get(&cgrp_cfg, task->cgroups->dfl_cgrp, 0, 0);
	if (c && c->port)
		__sync_fetch_and_add(&c->hits, 1);
	return 1;
}

char _license[] SEC("license") = "GPL";
