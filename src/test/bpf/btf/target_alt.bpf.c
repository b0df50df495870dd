/*
 * A second "kernel" for CoreRelocatorTest: same type names as the model kernel with another
 * layout (fields reordered, task_struct::tgid missing, an older `state` field present, wider
 * comm, a signed skc_family, skc_reuseport elsewhere), two flavors of struct cgroup that agree,
 * and two flavors of struct kernfs_node that disagree (an ambiguity libbpf refuses).
 */
typedef unsigned long long u64;

struct kernfs_node { int pad; u64 id; };
struct kernfs_node___old { u64 id; };
struct cgroup { long flags; int level; struct kernfs_node *kn; };
struct cgroup___2 { long flags; int level; };
struct css_set { void *subsys[4]; struct cgroup *dfl_cgrp; };
struct task_struct {
	long state;
	int pid;
	char comm[32];
	struct css_set *cgroups;
};
struct sock_common {
	unsigned int skc_hash;
	short skc_family;
	unsigned char skc_state;
	unsigned char skc_reuse: 3;
	unsigned char skc_reuseport: 1;
};
struct sock { u64 pad; struct sock_common __sk_common; };
enum pid_type { PIDTYPE_PID, PIDTYPE_SID = 7, PIDTYPE_PGID = -5, PIDTYPE_NEW = 42 };

__attribute__((used, noinline)) int roots(struct task_struct *t, struct sock *sk,
		struct cgroup___2 *c2, struct kernfs_node___old *kn, enum pid_type p)
{
	return p;
}

/* types reached only through pointer members would be FWDs without a root of their own */
__attribute__((used, noinline)) int roots2(struct css_set *cs, struct cgroup *c, struct kernfs_node *kn)
{
	return 0;
}
