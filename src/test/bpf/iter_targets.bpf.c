// SPDX-License-Identifier: GPL-2.0
/* BPF iterator targets and read(2) semantics (kernel/bpf/bpf_iter.c, map_iter.c, task_iter.c,
 * cgroup_iter.c), after the upstream selftests progs/bpf_iter_bpf_hash_map.c,
 * bpf_iter_bpf_array_map.c, bpf_iter_bpf_percpu_*_map.c, bpf_iter_task.c and cgroup_iter.c.
 * Only vmlinux field names, so the same object also loads on Linux. */
#include "common.h"

struct seq_file;
struct bpf_map;

struct kernfs_node {
	__u64 id;
} __attribute__((preserve_access_index));

struct cgroup___it {
	int level;
	struct kernfs_node *kn;
} __attribute__((preserve_access_index));

struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
} __attribute__((preserve_access_index));

struct bpf_iter__bpf_map_elem {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
	void *key;
	void *value;
} __attribute__((preserve_access_index));

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
} __attribute__((preserve_access_index));

struct bpf_iter__cgroup {
	struct bpf_iter_meta *meta;
	struct cgroup *cgroup;
} __attribute__((preserve_access_index));

/* the reading task: pid_tgid, comm and task_btf's pid of the read(2) caller */
SEC("iter/task")
int whoami(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *me;
	char comm[16] = {};

	if (ctx->task != NULL)
		return 0;
	me = bpf_get_current_task_btf();
	bpf_get_current_comm(comm, sizeof(comm));
	BPF_SEQ_PRINTF(seq, "tgid %u comm %s btf_pid %d\n", (__u32)(bpf_get_current_pid_tgid() >> 32), comm, me->pid);
	return 0;
}

/* one line per task (pid) of the (filtered) walk, then "end" */
SEC("iter/task")
int task_pids(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;

	if (task == NULL) {
		BPF_SEQ_PRINTF(seq, "end\n");
		return 0;
	}
	BPF_SEQ_PRINTF(seq, "%d\n", task->pid);
	return 0;
}

/* selftest dump_bpf_hash_map: "key value" for a u32 key and a u64 value; value doubled in place */
SEC("iter/bpf_map_elem")
int dump_u32_u64(struct bpf_iter__bpf_map_elem *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	__u32 *key = ctx->key;
	__u64 *val = ctx->value;

	if (key == NULL || val == NULL) {
		BPF_SEQ_PRINTF(seq, "end %llu\n", ctx->meta->seq_num);
		return 0;
	}
	BPF_SEQ_PRINTF(seq, "%u %llu\n", *key, *val);
	*val *= 2;
	return 0;
}

/* reads 8 key bytes: EACCES on a map with 4-byte keys */
SEC("iter/bpf_map_elem")
int key_u64(struct bpf_iter__bpf_map_elem *ctx)
{
	__u64 *key = ctx->key;

	if (key == NULL)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "%llx\n", *key);
	return 0;
}

/* per-CPU values as the kernel lays them out: value_size rounded up to 8, one per possible CPU;
 * prints the first two CPUs' u32 values */
SEC("iter/bpf_map_elem")
int dump_percpu(struct bpf_iter__bpf_map_elem *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	__u32 *key = ctx->key;
	void *val = ctx->value;

	if (key == NULL || val == NULL)
		return 0;
	BPF_SEQ_PRINTF(seq, "%u %u %u\n", *key, *(__u32 *)val, *(__u32 *)(val + 8));
	*(__u32 *)val = 777;   /* a copy: not written back */
	return 0;
}

/* "level id" per cgroup of the walk, "stop" at the end; returns 1 at level stop_level */
int stop_level = -1;

SEC("iter/cgroup")
int cgroup_walk(struct bpf_iter__cgroup *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct cgroup___it *cg = (void *)ctx->cgroup;

	if (cg == NULL) {
		BPF_SEQ_PRINTF(seq, "stop\n");
		return 0;
	}
	BPF_SEQ_PRINTF(seq, "%d %llu\n", cg->level, cg->kn->id);
	return cg->level == stop_level;
}

char _license[] SEC("license") = "GPL";
