#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

struct css_set;

struct task_struct {
	struct css_set *cgroups;
	char comm[16];
	int tgid;
	int pid;
};

struct cgroup;

struct css_set {
	struct cgroup *dfl_cgrp;
};

struct kernfs_node;

struct cgroup {
	struct kernfs_node *kn;
	int level;
};

struct kernfs_node {
	unsigned long long id;
};

struct task_struct___v5 {
	long state;
};

struct sock_common {
	unsigned char skc_reuse: 4;
	unsigned char skc_reuseport: 1;
	unsigned short skc_family;
};

struct sock {
	struct sock_common __sk_common;
};

struct not_in_kernel {
	int x;
};

enum pid_type {
	PIDTYPE_PID = 0,
	PIDTYPE_TGID = 1,
	PIDTYPE_PGID = 2,
	PIDTYPE_SID = 3,
	PIDTYPE_MAX = 4,
};

enum pid_type___future {
	PIDTYPE_PGID___future = 99,
	PIDTYPE_NEW = 100,
};

struct cgroup___flavored {
	int level;
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
