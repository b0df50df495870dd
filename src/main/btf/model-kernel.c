/*
 * The kernel types ebpf4j models, as the BTF a CO-RE program is relocated against
 * (Btf.modelKernel()). Field names and types follow Linux 6.18 (include/linux/sched.h,
 * cgroup-defs.h, kernfs.h, include/net/sock.h); only the fields our model can give a meaning are
 * present, so offsets differ from a real vmlinux: CO-RE is what makes programs not care.
 * The UAPI context structs come from uapi-6.18.h, generated from this machine's
 * /sys/kernel/btf/vmlinux (Linux 6.18) by the Makefile.
 *
 * Rebuild: make -C src/main/btf
 */
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef int pid_t;
typedef _Bool bool;

typedef struct { int counter; } atomic_t;
typedef struct { long long counter; } atomic64_t;
typedef struct { atomic_t refs; } refcount_t;
typedef struct { __u32 val; } kuid_t;
typedef struct { __u32 val; } kgid_t;

#include "uapi-6.18.h"

enum pid_type {
	PIDTYPE_PID,
	PIDTYPE_TGID,
	PIDTYPE_PGID,
	PIDTYPE_SID,
	PIDTYPE_MAX,
};

/* include/linux/net.h */
enum sock_type {
	SOCK_STREAM = 1,
	SOCK_DGRAM = 2,
	SOCK_RAW = 3,
	SOCK_RDM = 4,
	SOCK_SEQPACKET = 5,
	SOCK_DCCP = 6,
	SOCK_PACKET = 10,
};

struct kernfs_node {
	atomic_t count;
	atomic_t active;
	struct kernfs_node *__parent;
	const char *name;
	unsigned short flags;
	unsigned short mode;
	u64 id;
};

struct cgroup;

struct cgroup_subsys_state {
	struct cgroup *cgroup;
	int id;
	unsigned int flags;
	u64 serial_nr;
	struct cgroup_subsys_state *parent;
};

struct cgroup {
	struct cgroup_subsys_state self;
	unsigned long flags;
	int level;
	int max_depth;
	int nr_descendants;
	struct kernfs_node *kn;
	struct cgroup *ancestors[];
};

#define CGROUP_SUBSYS_COUNT 12

struct css_set {
	struct cgroup_subsys_state *subsys[CGROUP_SUBSYS_COUNT];
	refcount_t refcount;
	struct css_set *dom_cset;
	struct cgroup *dfl_cgrp;
	int nr_tasks;
};

struct cred {
	atomic_t usage;
	kuid_t uid;
	kgid_t gid;
	kuid_t suid;
	kgid_t sgid;
	kuid_t euid;
	kgid_t egid;
};

#define TASK_COMM_LEN 16

struct task_struct {
	unsigned int __state;
	unsigned int flags;
	int prio;
	u64 start_time;
	pid_t pid;
	pid_t tgid;
	struct task_struct *real_parent;
	struct task_struct *parent;
	struct task_struct *group_leader;
	const struct cred *real_cred;
	const struct cred *cred;
	char comm[TASK_COMM_LEN];
	struct css_set *cgroups;
};

/* arch/x86/include/asm/ptrace.h (x86-64): what a syscall entry saves; sys_enter's regs */
struct pt_regs {
	unsigned long r15;
	unsigned long r14;
	unsigned long r13;
	unsigned long r12;
	unsigned long bp;
	unsigned long bx;
	unsigned long r11;
	unsigned long r10;
	unsigned long r9;
	unsigned long r8;
	unsigned long ax;
	unsigned long cx;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long orig_ax;
	unsigned long ip;
	unsigned long cs;
	unsigned long flags;
	unsigned long sp;
	unsigned long ss;
};

/*
 * include/trace/events/syscalls.h through include/trace/bpf_probe.h: each raw tracepoint has a
 * "btf_trace_<name>" typedef whose first argument is the probe's data; tp_btf programs name
 * it by attach_btf_id and get the other arguments as their context.
 */
typedef void (*btf_trace_sys_enter)(void *__data, struct pt_regs *regs, long id);
typedef void (*btf_trace_sched_switch)(void *__data, bool preempt, struct task_struct *prev,
		struct task_struct *next, unsigned int prev_state);

struct in6_addr {
	union {
		__u8 u6_addr8[16];
		__be16 u6_addr16[8];
		__be32 u6_addr32[4];
	} in6_u;
};

typedef __u64 __addrpair;
typedef __u32 __portpair;

struct sock_common {
	union {
		__addrpair skc_addrpair;
		struct {
			__be32 skc_daddr;
			__be32 skc_rcv_saddr;
		};
	};
	union {
		unsigned int skc_hash;
		__u16 skc_u16hashes[2];
	};
	union {
		__portpair skc_portpair;
		struct {
			__be16 skc_dport;
			__u16 skc_num;
		};
	};
	unsigned short skc_family;
	volatile unsigned char skc_state;
	unsigned char skc_reuse: 4;
	unsigned char skc_reuseport: 1;
	unsigned char skc_ipv6only: 1;
	unsigned char skc_net_refcnt: 1;
	int skc_bound_dev_if;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
	atomic64_t skc_cookie;
};

struct sock_cgroup_data {
	struct cgroup *cgroup;
	u32 classid;
	u16 prioidx;
};

struct socket;

/*
 * kernel.net.SockMirror writes one of these per socket (offsets read from this BTF by
 * SockLayout). Bytes 84..87 must stay padding or sk_type/sk_protocol: the program path probes a
 * bpf_sock pointer's owner block at +80 and may do so with a struct sock pointer (SockLayout
 * checks this).
 */
struct sock {
	struct sock_common __sk_common;
	int sk_rcvbuf;
	int sk_sndbuf;
	u32 sk_mark;
	u32 sk_priority;
	u16 sk_type;
	u16 sk_protocol;
	struct sock_cgroup_data sk_cgrp_data;
	void *sk_user_data;
	struct socket *sk_socket;
	kuid_t sk_uid;
};

/* include/linux/fs.h, include/linux/dcache.h (Linux 6.18): the VFS objects the filesystem model
 * mirrors (kernel.fs); struct inode is what bpf_inode_storage_get/delete take. */
typedef unsigned short umode_t;
typedef unsigned int fmode_t;
typedef long long loff_t;

struct inode {
	umode_t i_mode;
	unsigned short i_opflags;
	kuid_t i_uid;
	kgid_t i_gid;
	unsigned int i_flags;
	unsigned long i_ino;
	union {
		const unsigned int i_nlink;
		unsigned int __i_nlink;
	};
	loff_t i_size;
	atomic_t i_count;
	void *i_security;
};

struct qstr {
	u32 hash;
	u32 len;
	const unsigned char *name;
};

struct dentry {
	struct dentry *d_parent;
	struct qstr d_name;
	struct inode *d_inode;
};

struct path {
	void *mnt;
	struct dentry *dentry;
};

struct file {
	struct path f_path;
	struct inode *f_inode;
	unsigned int f_flags;
	fmode_t f_mode;
};

/* include/linux/binfmts.h: the exec in progress; the model fills file, cred and filename
 * (what bprm_committed_creds programs read: upstream's local_storage.c reads bprm->file). */
struct linux_binprm {
	struct file *file;
	struct cred *cred;
	const char *filename;
};

/*
 * Roots: functions whose prototypes name every type above keep them all in .BTF (BPF
 * functions take at most five arguments, hence two). Never called; they exist for their BTF.
 */
__attribute__((used, noinline)) int ebpf4j_model_kernel_types(struct task_struct *task,
		struct sock *sk, struct cgroup *cgrp, enum pid_type type)
{
	return type;
}

__attribute__((used, noinline)) int ebpf4j_model_uapi_types(struct __sk_buff *skb,
		struct bpf_sock *bsk, struct bpf_sock_addr *addr, struct bpf_sockopt *opt,
		struct bpf_sock_ops *ops)
{
	return 0;
}

__attribute__((used, noinline)) int ebpf4j_model_pointee_types(struct css_set *cset,
		struct kernfs_node *kn, struct cgroup_subsys_state *css, struct bpf_flow_keys *keys,
		enum sock_type type)
{
	return type;
}

__attribute__((used, noinline)) int ebpf4j_model_fs_types(struct inode *inode,
		struct dentry *dentry, struct file *file, struct path *path)
{
	return 0;
}

__attribute__((used, noinline)) int ebpf4j_model_trace_types(btf_trace_sys_enter enter,
		btf_trace_sched_switch sched_switch, struct pt_regs *regs)
{
	return 0;
}

/*
 * kfuncs of kernel/bpf/helpers.c that ebpf4j implements: libbpf resolves a kfunc call by the
 * FUNC of that name in the kernel's BTF. Bodies are placeholders, never run.
 */
__attribute__((used, noinline)) struct cgroup *bpf_cgroup_from_id(u64 cgid)
{
	return (struct cgroup *)0;
}

__attribute__((used, noinline)) void bpf_cgroup_release(struct cgroup *cgrp)
{
}

__attribute__((used, noinline)) struct task_struct *bpf_task_from_pid(__s32 pid)
{
	return (struct task_struct *)0;
}

__attribute__((used, noinline)) void bpf_task_release(struct task_struct *p)
{
}

__attribute__((used, noinline)) struct cgroup *bpf_cgroup_acquire(struct cgroup *cgrp)
{
	return cgrp;
}

/*
 * Functions BPF trampolines attach to (fentry/fexit/fmod_ret, kernel/bpf/trampoline.c) and the
 * LSM hooks (lsm/, kernel/bpf/bpf_lsm.c): FUNCs with Linux 6.18's prototypes, each one a call
 * site in the modelled world fires (org.ebpf4j.kernel.trampoline). Bodies are placeholders,
 * never run. Functions of more than five arguments cannot be BPF functions, so they are declared
 * as .ksyms externs, which clang also records as FUNCs.
 *
 * Not here on purpose: bpf_local_storage_lookup, which Linux 6.18 inlines (include/linux/
 * bpf_local_storage.h) so it has no FUNC in vmlinux BTF and cannot be traced.
 */
typedef unsigned int gfp_t;
typedef unsigned short sa_family_t;

/* net/bpf/test_run.c */
struct bpf_fentry_test_t {
	struct bpf_fentry_test_t *a;
};

/* include/linux/bpf.h, bpf_local_storage.h: opaque to programs here */
struct bpf_map;
struct bpf_prog;
union bpf_attr;
struct bpf_local_storage_map;
struct bpf_local_storage_data;

/* include/linux/socket.h */
struct sockaddr {
	sa_family_t sa_family;
	char sa_data[14];
};

/* include/linux/net.h */
typedef enum {
	SS_FREE = 0,
	SS_UNCONNECTED,
	SS_CONNECTING,
	SS_CONNECTED,
	SS_DISCONNECTING,
} socket_state;

struct socket {
	socket_state state;
	short type;
	unsigned long flags;
	struct sock *sk;
};

/* include/linux/fs.h, dcache.h: struct inode, dentry, path and file are declared above, with the
 * filesystem model (kernel.fs), whose mirrors programs read */

#define MODEL_FN __attribute__((used, noinline))

MODEL_FN int bpf_fentry_test1(int a) { return a + 1; }
MODEL_FN int bpf_fentry_test2(int a, u64 b) { return a + b; }
MODEL_FN int bpf_fentry_test3(char a, int b, u64 c) { return a + b + c; }
MODEL_FN int bpf_fentry_test4(void *a, char b, int c, u64 d) { return (long)a + b + c + d; }
MODEL_FN int bpf_fentry_test5(u64 a, void *b, short c, int d, u64 e) { return a + (long)b + c + d + e; }
extern int bpf_fentry_test6(u64 a, void *b, short c, int d, void *e, u64 f) __attribute__((section(".ksyms")));
MODEL_FN int bpf_fentry_test7(struct bpf_fentry_test_t *arg) { return (long)arg; }
MODEL_FN int bpf_fentry_test8(struct bpf_fentry_test_t *arg) { return (long)arg->a; }
MODEL_FN u32 bpf_fentry_test9(u32 *a) { return *a; }
MODEL_FN int bpf_fentry_test10(const void *a) { return (long)a; }
MODEL_FN int bpf_modify_return_test(int a, int *b) { *b += 1; return a + *b; }
extern int bpf_modify_return_test2(int a, int *b, short c, int d, void *e, char f, int g)
	__attribute__((section(".ksyms")));

/* kernel/bpf/bpf_local_storage.c, net/core/bpf_sk_storage.c */
extern struct bpf_local_storage_data *bpf_local_storage_update(void *owner,
		struct bpf_local_storage_map *smap, void *value, u64 map_flags, bool swap_uptrs,
		gfp_t gfp_flags) __attribute__((section(".ksyms")));
MODEL_FN void bpf_sk_storage_free(struct sock *sk) { }

/* kernel/bpf/bpf_lsm.c: one bpf_lsm_<hook> per LSM hook (include/linux/lsm_hook_defs.h) */
MODEL_FN int bpf_lsm_bpf(int cmd, union bpf_attr *attr, unsigned int size, bool kernel) { return 0; }
MODEL_FN int bpf_lsm_bpf_map(struct bpf_map *map, fmode_t fmode) { return 0; }
MODEL_FN int bpf_lsm_bpf_prog(struct bpf_prog *prog) { return 0; }
MODEL_FN int bpf_lsm_socket_post_create(struct socket *sock, int family, int type, int protocol, int kern) { return 0; }
MODEL_FN int bpf_lsm_socket_bind(struct socket *sock, struct sockaddr *address, int addrlen) { return 0; }
MODEL_FN int bpf_lsm_socket_connect(struct socket *sock, struct sockaddr *address, int addrlen) { return 0; }
MODEL_FN int bpf_lsm_file_open(struct file *file) { return 0; }
MODEL_FN int bpf_lsm_inode_unlink(struct inode *dir, struct dentry *dentry) { return 0; }
MODEL_FN int bpf_lsm_inode_rename(struct inode *old_dir, struct dentry *old_dentry, struct inode *new_dir,
		struct dentry *new_dentry) { return 0; }
MODEL_FN void bpf_lsm_bprm_committed_creds(const struct linux_binprm *bprm) { }

/* The externs above are FUNCs in .BTF only once something refers to them. */
MODEL_FN void *ebpf4j_model_extern_funcs(int i)
{
	return i == 0 ? (void *)&bpf_fentry_test6 : i == 1 ? (void *)&bpf_modify_return_test2
		: (void *)&bpf_local_storage_update;
}

/*
 * BPF iterators (kernel/bpf/bpf_iter.c, include/linux/bpf.h): an iter program names by
 * attach_btf_id the FUNC "bpf_iter_<target>" (DEFINE_BPF_ITER_FUNC) and its context is the
 * struct bpf_iter__<target> of that FUNC's parameters. seq_file and bpf_map are opaque here:
 * programs hand them to helpers and read no field of them.
 */
struct seq_file {
	char *buf;
	__u64 size;
	__u64 from;
	__u64 count;
};

struct bpf_map {
	__u32 map_type;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
};

struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
};

struct bpf_iter__bpf_sk_storage_map {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
	struct sock *sk;
	void *value;
};

struct bpf_iter__bpf_map {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
};

__attribute__((used, noinline)) int bpf_iter_bpf_sk_storage_map(struct bpf_iter_meta *meta,
		struct bpf_map *map, struct sock *sk, void *value)
{
	return 0;
}

__attribute__((used, noinline)) int bpf_iter_bpf_map(struct bpf_iter_meta *meta, struct bpf_map *map)
{
	return 0;
}

__attribute__((used, noinline)) int ebpf4j_model_iter_types(struct bpf_iter__bpf_sk_storage_map *a,
		struct bpf_iter__bpf_map *b, struct seq_file *seq)
{
	return (int)seq->count;
}

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
};

__attribute__((used, noinline)) int bpf_iter_task(struct bpf_iter_meta *meta, struct task_struct *task)
{
	return 0;
}

__attribute__((used, noinline)) int ebpf4j_model_iter_task_types(struct bpf_iter__task *a)
{
	return 0;
}

struct bpf_iter__bpf_map_elem {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
	void *key;
	void *value;
};

__attribute__((used, noinline)) int bpf_iter_bpf_map_elem(struct bpf_iter_meta *meta,
		struct bpf_map *map, void *key, void *value)
{
	return 0;
}

struct bpf_iter__cgroup {
	struct bpf_iter_meta *meta;
	struct cgroup *cgroup;
};

__attribute__((used, noinline)) int bpf_iter_cgroup(struct bpf_iter_meta *meta, struct cgroup *cgroup)
{
	return 0;
}

__attribute__((used, noinline)) int ebpf4j_model_iter_elem_types(struct bpf_iter__bpf_map_elem *a,
		struct bpf_iter__cgroup *b)
{
	return 0;
}
