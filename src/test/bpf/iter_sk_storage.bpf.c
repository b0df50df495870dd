// SPDX-License-Identifier: GPL-2.0
/* BPF iterators over SK_STORAGE maps (spec-local-storage §4.5, LS-SK4), after the upstream
 * selftests progs/bpf_iter_bpf_sk_storage_map.c and bpf_iter_bpf_sk_storage_helpers.c, plus
 * seq_file output programs (kernel/bpf/bpf_iter.c bpf_seq_read). */
#include "common.h"

struct seq_file;

struct sock {
	int sk_rcvbuf;
} __attribute__((preserve_access_index));

struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
} __attribute__((preserve_access_index));

struct bpf_iter__bpf_sk_storage_map {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
	struct sock *sk;
	void *value;
} __attribute__((preserve_access_index));

struct bpf_iter__bpf_map {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, int);
} sk_stg_map SEC(".maps");

/* a second map on the same sockets; a map whose value holds what oob_write writes */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, int);
} sk_stg_map2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} sk_stg_wide SEC(".maps");

__u32 val_sum = 0;
__u32 elem_count = 0;
__u32 stop_calls = 0;
int to_add_val = 0;
__u64 last_session = 0;
char big[33000] = {};

/* selftest rw_bpf_sk_storage_map: adds to_add_val to every value, sums them */
SEC("iter/bpf_sk_storage_map")
int rw_bpf_sk_storage_map(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	struct sock *sk = ctx->sk;
	__u32 *val = ctx->value;

	if (sk == NULL || val == NULL) {
		stop_calls++;
		return 0;
	}
	*val += to_add_val;
	val_sum += *val;
	elem_count++;
	last_session = ctx->meta->session_id;
	return 0;
}

/* selftest oob_write_bpf_sk_storage_map: writes 4 bytes past an int value */
SEC("iter/bpf_sk_storage_map")
int oob_write_bpf_sk_storage_map(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	struct sock *sk = ctx->sk;
	__u32 *val = ctx->value;

	if (sk == NULL || val == NULL)
		return 0;
	*(val + 1) = 0xdeadbeef;
	return 0;
}

/* selftest delete_bpf_sk_storage_map */
SEC("iter/bpf_sk_storage_map")
int delete_bpf_sk_storage_map(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	if (ctx->sk)
		bpf_sk_storage_delete(&sk_stg_map, ctx->sk);
	return 0;
}

/* one line per element ("seq_num value"), then "stop N" from the stop call */
SEC("iter/bpf_sk_storage_map")
int dump_sk_storage(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	__u64 seq_num = ctx->meta->seq_num;
	__u32 *val = ctx->value;

	if (ctx->sk == NULL) {
		BPF_SEQ_PRINTF(seq, "stop %llu\n", seq_num);
		return 0;
	}
	if (val == NULL)
		return 0;
	BPF_SEQ_PRINTF(seq, "%llu %u\n", seq_num, *val);
	return 0;
}

/* bpf_seq_write of the raw value: 4 bytes per element */
SEC("iter/bpf_sk_storage_map")
int write_sk_storage(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	__u32 *val = ctx->value;

	if (ctx->sk == NULL || val == NULL)
		return 0;
	bpf_seq_write(seq, val, sizeof(*val));
	return 0;
}

/* more than the 32 KiB seq buffer for one object: E2BIG */
SEC("iter/bpf_sk_storage_map")
int too_big(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	struct seq_file *seq = ctx->meta->seq;

	if (ctx->sk == NULL)
		return 0;
	bpf_seq_write(seq, big, sizeof(big));
	return 0;
}

/* returns 1 (retry) for every element: EAGAIN */
SEC("iter/bpf_sk_storage_map")
int retry_all(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	return ctx->sk ? 1 : 0;
}

/* the bpf_map target: one line per map, then the count at stop */
SEC("iter/bpf_map")
int dump_bpf_map(struct bpf_iter__bpf_map *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	__u64 seq_num = ctx->meta->seq_num;

	if (ctx->map == NULL) {
		BPF_SEQ_PRINTF(seq, "maps %llu\n", seq_num);
		return 0;
	}
	BPF_SEQ_PRINTF(seq, "map %llu\n", seq_num);
	return 0;
}

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
} __attribute__((preserve_access_index));

/* the task target: "pid comm" per task, then "end" */
SEC("iter/task")
int dump_task(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;

	if (task == NULL) {
		BPF_SEQ_PRINTF(seq, "end\n");
		return 0;
	}
	BPF_SEQ_PRINTF(seq, "%d %s\n", task->pid, task->comm);
	return 0;
}

char _license[] SEC("license") = "GPL";
