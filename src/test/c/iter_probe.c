// Real-kernel probe for IterHostCrossCheckTest (kernel/bpf/bpf_iter.c, map_iter.c, task_iter.c,
// cgroup_iter.c). Loads src/test/bpf/iter_targets.bpf.o with libbpf, creates its own maps,
// attaches iterator links (BPF_LINK_CREATE of an iter link attaches to nothing in the system),
// reads them and prints one line per case: "case NAME HEX" (what read(2) returned, whole) or
// "err NAME ERRNO" (the attach or read failed), plus "pid N". Nothing is attached to any hook
// or cgroup. Build: cc -O2 -o probe iter_probe.c -lbpf. Needs root.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static struct bpf_object *obj;

static void hex(const char *name, const char *buf, int n) {
	printf("case %s ", name);
	for (int i = 0; i < n; i++)
		printf("%02x", (unsigned char)buf[i]);
	printf("\n");
}

/* reads iterator fd to the end with reads of chunk bytes; -errno or the length */
static int drain(int it, char *buf, int cap, int chunk) {
	int n = 0;
	for (;;) {
		int r = read(it, buf + n, chunk < cap - n ? chunk : cap - n);
		if (r < 0)
			return -errno;
		if (r == 0)
			return n;
		n += r;
	}
}

static int link_for(const char *prog, union bpf_iter_link_info *li) {
	struct bpf_program *p = bpf_object__find_program_by_name(obj, prog);
	LIBBPF_OPTS(bpf_link_create_opts, o, .iter_info = li, .iter_info_len = li ? sizeof(*li) : 0);
	int fd = bpf_link_create(bpf_program__fd(p), 0, BPF_TRACE_ITER, &o);
	return fd < 0 ? -errno : fd;
}

/* one whole iteration of prog with li: "case" with the text, or "err" with the errno */
static void run(const char *name, const char *prog, union bpf_iter_link_info *li) {
	static char buf[65536];
	int link = link_for(prog, li);
	if (link < 0) {
		printf("err %s %d\n", name, -link);
		return;
	}
	int it = bpf_iter_create(link);
	int n = drain(it, buf, sizeof(buf), 4096);
	if (n < 0)
		printf("err %s %d\n", name, -n);
	else
		hex(name, buf, n);
	close(it);
	close(link);
}

static int map(enum bpf_map_type t, int ks, int vs, int n) {
	return bpf_map_create(t, NULL, ks, vs, n, NULL);
}

int main(void) {
	union bpf_iter_link_info li;
	static char buf[65536];

	prctl(PR_SET_NAME, "iterprobe");
	libbpf_set_print(NULL);
	obj = bpf_object__open_file("src/test/bpf/iter_targets.bpf.o", NULL);
	if (!obj || bpf_object__load(obj)) {
		printf("error load %d\n", errno);
		return 1;
	}
	printf("pid %d\n", getpid());
	printf("cpus %d\n", libbpf_num_possible_cpus());

	/* bpf_map_elem over a hash, an array, a per-CPU array */
	int hash = map(BPF_MAP_TYPE_HASH, 4, 8, 8);
	for (__u32 k = 1; k <= 3; k++) {
		__u64 v = 10 * k;
		bpf_map_update_elem(hash, &k, &v, 0);
	}
	memset(&li, 0, sizeof(li)); li.map.map_fd = hash;
	run("hash", "dump_u32_u64", &li);
	for (__u32 k = 1; k <= 3; k++) {
		__u64 v = 0;
		bpf_map_lookup_elem(hash, &k, &v);
		printf("hashval %u %llu\n", k, (unsigned long long)v);
	}
	int arr = map(BPF_MAP_TYPE_ARRAY, 4, 8, 3);
	__u32 one = 1; __u64 five = 5;
	bpf_map_update_elem(arr, &one, &five, 0);
	li.map.map_fd = arr;
	run("array", "dump_u32_u64", &li);
	int pcpu = map(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 2);
	__u64 pv[2] = {11, 22};
	bpf_map_update_elem(pcpu, &one, pv, 0);
	li.map.map_fd = pcpu;
	run("percpu", "dump_percpu", &li);
	bpf_map_lookup_elem(pcpu, &one, pv);
	printf("percpuval %llu %llu\n", (unsigned long long)pv[0], (unsigned long long)pv[1]);

	/* attach errnos */
	int small = map(BPF_MAP_TYPE_HASH, 4, 4, 8);
	int queue = map(BPF_MAP_TYPE_QUEUE, 0, 8, 8);
	int pcpuh = map(BPF_MAP_TYPE_PERCPU_HASH, 4, 4, 8);
	run("elem_nomap", "dump_u32_u64", NULL);
	li.map.map_fd = 999; run("elem_badfd", "dump_u32_u64", &li);
	li.map.map_fd = queue; run("elem_queue", "dump_u32_u64", &li);
	li.map.map_fd = small; run("elem_small_value", "dump_u32_u64", &li);
	li.map.map_fd = hash; run("elem_wide_key", "key_u64", &li);
	li.map.map_fd = pcpuh; run("elem_percpu_hash_empty", "dump_u32_u64", &li);

	/* the reading task */
	run("whoami", "whoami", NULL);

	/* task filters */
	memset(&li, 0, sizeof(li)); li.task.tid = getpid(); run("task_tid", "task_pids", &li);
	memset(&li, 0, sizeof(li)); li.task.pid = getpid(); run("task_pid", "task_pids", &li);
	int pidfd = syscall(SYS_pidfd_open, getpid(), 0);
	memset(&li, 0, sizeof(li)); li.task.pid_fd = pidfd; run("task_pidfd", "task_pids", &li);
	memset(&li, 0, sizeof(li)); li.task.tid = getpid(); li.task.pid = getpid(); run("task_two", "task_pids", &li);
	memset(&li, 0, sizeof(li)); li.task.pid_fd = hash; run("task_notpidfd", "task_pids", &li);
	memset(&li, 0, sizeof(li)); li.task.tid = 0x3ffffff0; run("task_none", "task_pids", &li);

	/* cgroup: the root only (nothing attached anywhere) */
	memset(&li, 0, sizeof(li)); run("cg_unspec", "cgroup_walk", &li);
	li.cgroup.order = 5; run("cg_order5", "cgroup_walk", &li);
	li.cgroup.order = BPF_CGROUP_ITER_SELF_ONLY; li.cgroup.cgroup_id = 1; run("cg_root_self", "cgroup_walk", &li);
	li.cgroup.cgroup_id = 0x7ffffff0; run("cg_noid", "cgroup_walk", &li);
	int cgfd = open("/sys/fs/cgroup", O_RDONLY | O_DIRECTORY);
	li.cgroup.cgroup_id = 1; li.cgroup.cgroup_fd = cgfd; run("cg_fd_and_id", "cgroup_walk", &li);
	li.cgroup.cgroup_id = 0; li.cgroup.cgroup_fd = hash; run("cg_notcgroup", "cgroup_walk", &li);
	/* /sys/fs/cgroup: a cgroup2 mount (the root) or, under cgroup v1, a tmpfs directory (EBADF) */
	li.cgroup.cgroup_fd = cgfd; li.cgroup.order = BPF_CGROUP_ITER_ANCESTORS_UP; run("cg_sysfs_up", "cgroup_walk", &li);

	/* dup: one session; the first close does not end it */
	memset(&li, 0, sizeof(li)); li.map.map_fd = arr;
	int link = link_for("dump_u32_u64", &li);
	int it = bpf_iter_create(link);
	int n = read(it, buf, 5);
	int d = dup(it);
	close(it);
	int m = drain(d, buf + n, sizeof(buf) - n, 4096);
	if (m < 0)
		printf("err dup %d\n", -m);
	else
		hex("dup", buf, n + m);
	close(d);
	close(link);

	/* cgroup: a read after an incomplete first one */
	memset(&li, 0, sizeof(li)); li.cgroup.order = BPF_CGROUP_ITER_ANCESTORS_UP; li.cgroup.cgroup_id = 1;
	link = link_for("cgroup_walk", &li);
	it = bpf_iter_create(link);
	n = read(it, buf, 2);
	n = read(it, buf, 4096);
	n = read(it, buf, 4096);
	if (n < 0)
		printf("err cg_resume %d\n", errno);
	else
		hex("cg_resume", buf, n);
	close(it);
	close(link);
	bpf_object__close(obj);
	return 0;
}
