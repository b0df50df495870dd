// SPDX-License-Identifier: GPL-2.0
/* BPF LSM programs on hooks the model fires: bind(2) to deny_port fails with EPERM, a bpf(2)
 * command equal to deny_cmd fails with EACCES. */
#include "common.h"
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

struct sockaddr {
	unsigned short sa_family;
	char sa_data[14];
} __attribute__((preserve_access_index));

struct socket;

int deny_port = 0;
int deny_cmd = -1;
__u64 bind_calls = 0;
__u64 bpf_calls = 0;

SEC("lsm/socket_bind")
int BPF_PROG(deny_bind, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	int port;

	bind_calls++;
	if (ret != 0)
		return ret;
	if (address->sa_family != 2 /* AF_INET */)
		return 0;
	port = ((unsigned char)address->sa_data[0] << 8) | (unsigned char)address->sa_data[1];
	if (port == deny_port)
		return -1; /* -EPERM */
	return 0;
}

SEC("lsm/bpf")
int BPF_PROG(deny_bpf, int cmd, union bpf_attr *attr, unsigned int size, _Bool kernel, int ret)
{
	bpf_calls++;
	if (ret != 0)
		return ret;
	if (cmd == deny_cmd)
		return -13; /* -EACCES */
	return 0;
}
