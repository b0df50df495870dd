// SPDX-License-Identifier: GPL-2.0
/* Our port of tools/testing/selftests/bpf/progs/local_storage.c (spec-local-storage §5.2):
 * task, inode and sk storage used from BPF LSM programs, the exec'd file recorded from the
 * sleepable lsm.s/bprm_committed_creds as upstream. Differences: the globals live in one struct
 * so the test can find them in .data, and exec sets task_storage_result to 0 to show it ran. */
#include "common.h"
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

#define DUMMY_STORAGE_VALUE 0xdeadbeef

struct inode {
	unsigned long i_ino;
} __attribute__((preserve_access_index));

struct dentry {
	struct inode *d_inode;
} __attribute__((preserve_access_index));

struct file {
	struct inode *f_inode;
} __attribute__((preserve_access_index));

struct linux_binprm {
	struct file *file;
} __attribute__((preserve_access_index));

struct sock;

struct socket {
	struct sock *sk;
} __attribute__((preserve_access_index));

struct sockaddr;

struct {
	__u32 monitored_pid;
	int inode_storage_result;
	int sk_storage_result;
	int task_storage_result;
} g = { 0, -1, -1, -1 };

struct local_storage {
	struct inode *exec_inode;
	__u32 value;
};

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct local_storage);
} inode_storage_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct local_storage);
} sk_storage_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct local_storage);
} sk_storage_map2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct local_storage);
} task_storage_map SEC(".maps");

static __always_inline int monitored(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == g.monitored_pid;
}

SEC("lsm/inode_unlink")
int BPF_PROG(unlink_hook, struct inode *dir, struct dentry *victim)
{
	struct local_storage *storage;

	if (!monitored())
		return 0;
	storage = bpf_task_storage_get(&task_storage_map, bpf_get_current_task_btf(), 0, 0);
	if (storage && storage->exec_inode == victim->d_inode)
		return -1; /* -EPERM: don't let an executable delete itself */
	return 0;
}

SEC("lsm/inode_rename")
int BPF_PROG(inode_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry)
{
	struct local_storage *storage;
	int err;

	/* new_dentry->d_inode is NULL when the new name did not exist: the helper copes */
	bpf_inode_storage_get(&inode_storage_map, new_dentry->d_inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	storage = bpf_inode_storage_get(&inode_storage_map, old_dentry->d_inode, 0, 0);
	if (!storage)
		return 0;
	if (storage->value != DUMMY_STORAGE_VALUE)
		g.inode_storage_result = -1;
	err = bpf_inode_storage_delete(&inode_storage_map, old_dentry->d_inode);
	if (!err)
		g.inode_storage_result = err;
	return 0;
}

SEC("lsm/socket_bind")
int BPF_PROG(socket_bind, struct socket *sock, struct sockaddr *address, int addrlen)
{
	struct local_storage *storage;

	if (!monitored())
		return 0;
	storage = bpf_sk_storage_get(&sk_storage_map, sock->sk, 0, 0);
	if (!storage)
		return 0;
	g.sk_storage_result = -1;
	if (storage->value != DUMMY_STORAGE_VALUE)
		return 0;
	/* several maps' elements on one socket */
	storage = bpf_sk_storage_get(&sk_storage_map2, sock->sk, 0, 0);
	if (!storage || storage->value != DUMMY_STORAGE_VALUE)
		return 0;
	g.sk_storage_result = 0;
	return 0;
}

SEC("lsm/socket_post_create")
int BPF_PROG(socket_post_create, struct socket *sock, int family, int type, int protocol, int kern)
{
	struct local_storage *storage;

	if (!monitored())
		return 0;
	storage = bpf_sk_storage_get(&sk_storage_map, sock->sk, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!storage)
		return 0;
	storage->value = DUMMY_STORAGE_VALUE;
	storage = bpf_sk_storage_get(&sk_storage_map2, sock->sk, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!storage)
		return 0;
	storage->value = DUMMY_STORAGE_VALUE;
	return 0;
}

SEC("lsm.s/bprm_committed_creds")
void BPF_PROG(exec, struct linux_binprm *bprm)
{
	struct local_storage *storage;

	if (!monitored())
		return;

	storage = bpf_task_storage_get(&task_storage_map, bpf_get_current_task_btf(), 0,
				       BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (storage)
		storage->exec_inode = bprm->file->f_inode;

	storage = bpf_inode_storage_get(&inode_storage_map, bprm->file->f_inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!storage)
		return;

	storage->value = DUMMY_STORAGE_VALUE;
	g.task_storage_result = 0;
}
