#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

struct css_set;

struct task_struct {
	long state;
	int pid;
	char comm[32];
	struct css_set *cgroups;
};

typedef unsigned long long u64;

struct sock_common {
	unsigned int skc_hash;
	short skc_family;
	unsigned char skc_state;
	unsigned char skc_reuse: 3;
	unsigned char skc_reuseport: 1;
};

struct sock {
	u64 pad;
	struct sock_common __sk_common;
};

struct cgroup___2 {
	long flags;
	int level;
};

struct kernfs_node___old {
	u64 id;
};

enum pid_type {
	PIDTYPE_PID = 0,
	PIDTYPE_SID = 7,
	PIDTYPE_PGID = -5,
	PIDTYPE_NEW = 42,
};

struct cgroup;

struct css_set {
	void *subsys[4];
	struct cgroup *dfl_cgrp;
};

struct kernfs_node;

struct cgroup {
	long flags;
	int level;
	struct kernfs_node *kn;
};

struct kernfs_node {
	int pad;
	u64 id;
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
