/*
 * CO-RE relocations of every kind, against the model kernel (Btf.modelKernel()) and against
 * target_alt.bpf.c; CoreRelocatorTest checks each computed value by hand from those layouts.
 * Local types are deliberately smaller than the targets and laid out differently.
 */
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define __pai __attribute__((preserve_access_index))

struct kernfs_node { unsigned long long id; } __pai;
struct cgroup { struct kernfs_node *kn; int level; } __pai;
struct css_set { struct cgroup *dfl_cgrp; } __pai;
struct task_struct {
	struct css_set *cgroups;
	char comm[16];
	int tgid;
	int pid;
} __pai;
/* an older layout: __state was called state and was a long */
struct task_struct___v5 { long state; } __pai;
struct cgroup___flavored { int level; } __pai;
struct sock_common {
	unsigned char skc_reuse: 4;
	unsigned char skc_reuseport: 1;
	unsigned short skc_family;
} __pai;
struct sock { struct sock_common __sk_common; } __pai;
enum pid_type { PIDTYPE_PID, PIDTYPE_TGID, PIDTYPE_PGID, PIDTYPE_SID, PIDTYPE_MAX };
enum pid_type___future { PIDTYPE_PGID___future = 99, PIDTYPE_NEW = 100 };
struct not_in_kernel { int x; };

unsigned long long out[32];

SEC("raw_tp/core")
int core_prog(struct task_struct *t)
{
	struct sock *sk = (void *)t;

	out[0] = t->pid;                                             /* FIELD_BYTE_OFFSET */
	out[1] = t->cgroups->dfl_cgrp->kn->id;                       /* offsets through pointers */
	out[2] = bpf_core_field_exists(t->tgid);                     /* FIELD_EXISTS = 1 */
	out[3] = bpf_core_field_exists(((struct task_struct___v5 *)t)->state); /* 0 */
	out[4] = bpf_core_field_size(t->comm);                       /* 16 */
	out[5] = bpf_core_field_offset(t->comm[3]);                  /* array element */
	out[6] = BPF_CORE_READ_BITFIELD(&sk->__sk_common, skc_reuseport); /* bitfield relos */
	out[7] = __builtin_preserve_field_info(sk->__sk_common.skc_family, 3 /* FIELD_SIGNED */);
	out[8] = bpf_core_type_id_local(struct task_struct);
	out[9] = bpf_core_type_id_kernel(struct task_struct);
	out[10] = bpf_core_type_exists(struct not_in_kernel);       /* 0 */
	out[11] = bpf_core_type_size(struct task_struct);
	out[12] = bpf_core_enum_value_exists(enum pid_type, PIDTYPE_SID);
	out[13] = bpf_core_enum_value(enum pid_type, PIDTYPE_SID);
	out[14] = bpf_core_enum_value_exists(enum pid_type___future, PIDTYPE_NEW);
	out[15] = bpf_core_enum_value(enum pid_type___future, PIDTYPE_PGID___future);
	out[16] = bpf_core_type_matches(struct kernfs_node);
	out[17] = ((struct cgroup___flavored *)t)->level;           /* flavor stripped */
	out[18] = ((struct task_struct___v5 *)t)->state;            /* missing field: poison */
	out[19] = bpf_core_type_exists(struct cgroup___flavored);
	out[20] = bpf_core_type_size(struct not_in_kernel);         /* 0: no target */
	return 0;
}

char _license[] SEC("license") = "GPL";
