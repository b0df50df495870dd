// Real-kernel probe for SockDiagHostCrossCheckTest (spec-local-storage §4.4, §10.1 LS-SK3).
// Creates an SK_STORAGE map (int key, int[3] value: 12 bytes, so the value is not 8-aligned),
// a listening TCP socket and a bound UDP socket on 127.0.0.1 (nothing is attached anywhere),
// stores a value on both by syscall update, then runs NETLINK_SOCK_DIAG dumps and prints every
// reply datagram as "case <name> <hex>". Build: cc -O2 -o probe sockdiag_probe.c. Needs root.
#include <errno.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int sys_bpf(int cmd, union bpf_attr *a) { return syscall(__NR_bpf, cmd, a, sizeof(*a)); }

static int load_btf(void) {
	// [1] int (4 bytes, signed); [2] int[3]; [3] int[500]
	struct { struct btf_header h; __u32 t[4 + 3 + 3 + 3 + 3]; char s[8]; } __attribute__((packed)) b;
	memset(&b, 0, sizeof(b));
	b.h.magic = BTF_MAGIC; b.h.version = BTF_VERSION; b.h.hdr_len = sizeof(b.h);
	b.h.type_off = 0; b.h.type_len = sizeof(b.t); b.h.str_off = sizeof(b.t); b.h.str_len = 5;
	b.t[0] = 1; b.t[1] = BTF_KIND_INT << 24; b.t[2] = 4; b.t[3] = BTF_INT_SIGNED << 24 | 32;
	b.t[4] = 0; b.t[5] = BTF_KIND_ARRAY << 24; b.t[6] = 0; b.t[7] = 1; b.t[8] = 1; b.t[9] = 3;
	b.t[10] = 0; b.t[11] = BTF_KIND_ARRAY << 24; b.t[12] = 0; b.t[13] = 1; b.t[14] = 1; b.t[15] = 500;
	memcpy(b.s, "\0int", 5);
	union bpf_attr a; memset(&a, 0, sizeof(a));
	a.btf = (__u64)(unsigned long)&b; a.btf_size = sizeof(b.h) + sizeof(b.t) + 5;
	return sys_bpf(BPF_BTF_LOAD, &a);
}

static int map_create_t(int type, int btf, int value_size, int max, int flags, int vtype);

static int map_create(int type, int btf, int value_size, int max, int flags) {
	return map_create_t(type, btf, value_size, max, flags, 2);
}

static int map_create_t(int type, int btf, int value_size, int max, int flags, int vtype) {
	union bpf_attr a; memset(&a, 0, sizeof(a));
	a.map_type = type; a.key_size = 4; a.value_size = value_size; a.max_entries = max; a.map_flags = flags;
	if (btf >= 0) { a.btf_fd = btf; a.btf_key_type_id = 1; a.btf_value_type_id = vtype; }
	return sys_bpf(BPF_MAP_CREATE, &a);
}

static int update(int map, int key, const void *val) {
	union bpf_attr a; memset(&a, 0, sizeof(a));
	a.map_fd = map; a.key = (__u64)(unsigned long)&key; a.value = (__u64)(unsigned long)val;
	return sys_bpf(BPF_MAP_UPDATE_ELEM, &a);
}

static void dump(const char *name, int proto, __u32 states, const int *fds, int nfds, int raw_len) {
	int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	struct { struct nlmsghdr h; struct inet_diag_req_v2 r; char attrs[64]; } req;
	memset(&req, 0, sizeof(req));
	struct nlattr *nest = (struct nlattr *)req.attrs;
	nest->nla_type = INET_DIAG_REQ_SK_BPF_STORAGES | NLA_F_NESTED;
	nest->nla_len = NLA_HDRLEN;
	for (int i = 0; i < nfds; i++) {
		struct nlattr *fa = (struct nlattr *)(req.attrs + nest->nla_len);
		fa->nla_type = SK_DIAG_BPF_STORAGE_REQ_MAP_FD;
		fa->nla_len = raw_len ? raw_len : NLA_HDRLEN + 4;
		memcpy(fa + 1, &fds[i], 4);
		nest->nla_len += NLA_ALIGN(fa->nla_len);
	}
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.r)) + (nfds >= 0 ? nest->nla_len : 0);
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = 7;
	req.r.sdiag_family = AF_INET; req.r.sdiag_protocol = proto; req.r.idiag_states = states;
	if (send(nl, &req, req.h.nlmsg_len, 0) < 0) { printf("case %s send-errno %d\n", name, errno); close(nl); return; }
	static unsigned char buf[65536];
	for (;;) {
		ssize_t n = recv(nl, buf, sizeof(buf), 0);
		if (n <= 0) break;
		printf("case %s ", name);
		for (ssize_t i = 0; i < n; i++) printf("%02x", buf[i]);
		printf("\n");
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		int done = 0;
		for (; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n))
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) done = 1;
		if (done) break;
	}
	close(nl);
}

int main(void) {
	int btf = load_btf();
	if (btf < 0) { printf("error btf %d\n", errno); return 1; }
	int map = map_create(BPF_MAP_TYPE_SK_STORAGE, btf, 12, 0, BPF_F_NO_PREALLOC);
	int map2 = map_create(BPF_MAP_TYPE_SK_STORAGE, btf, 12, 0, BPF_F_NO_PREALLOC);
	int arr = map_create(BPF_MAP_TYPE_ARRAY, -1, 4, 1, 0);
	if (map < 0 || map2 < 0 || arr < 0) { printf("error map %d\n", errno); return 1; }
	union bpf_attr ia; struct bpf_map_info info; memset(&ia, 0, sizeof(ia)); memset(&info, 0, sizeof(info));
	ia.info.bpf_fd = map; ia.info.info_len = sizeof(info); ia.info.info = (__u64)(unsigned long)&info;
	sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &ia);
	printf("mapid %u\n", info.id);
	struct sockaddr_in lo = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int tcp = socket(AF_INET, SOCK_STREAM, 0);
	int udp = socket(AF_INET, SOCK_DGRAM, 0);
	if (bind(tcp, (void *)&lo, sizeof(lo)) || listen(tcp, 1) || bind(udp, (void *)&lo, sizeof(lo))) { printf("error sock %d\n", errno); return 1; }
	struct sockaddr_in got; socklen_t gl = sizeof(got);
	getsockname(tcp, (void *)&got, &gl); printf("tcpport %u\n", ntohs(got.sin_port));
	gl = sizeof(got); getsockname(udp, (void *)&got, &gl); printf("udpport %u\n", ntohs(got.sin_port));
	int v1[3] = {0x11111111, 0x22222222, 0x33333333};
	int v2[3] = {0x44444444, 0x55555555, 0x66666666};
	if (update(map, tcp, v1) || update(map, udp, v2)) { printf("error update %d\n", errno); return 1; }
	int one[1] = {map};
	int dup[2] = {map, map};
	int notsk[1] = {arr};
	int nomap[1] = {btf};
	int badfd[1] = {999};
	dump("tcp-listen-map", IPPROTO_TCP, 1 << 10, one, 1, 0);
	dump("tcp-listen-all", IPPROTO_TCP, 1 << 10, one, 0, 0);
	dump("tcp-listen-other", IPPROTO_TCP, 1 << 10, (int[]){map2}, 1, 0);
	dump("udp-map", IPPROTO_UDP, 0xffffffff, one, 1, 0);
	dump("dup", IPPROTO_TCP, 1 << 10, dup, 2, 0);
	dump("notsk", IPPROTO_TCP, 1 << 10, notsk, 1, 0);
	dump("nomap", IPPROTO_TCP, 1 << 10, nomap, 1, 0);
	dump("badfd", IPPROTO_TCP, 1 << 10, badfd, 1, 0);
	dump("badlen", IPPROTO_TCP, 1 << 10, one, 1, NLA_HDRLEN + 2);
	close(tcp); close(udp);
	dump("closed", IPPROTO_TCP, 1 << 10, one, 1, 0);
	// three 2000-byte values on one listener: more than NLMSG_GOODSIZE, so the dump grows its skb
	int big = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(big, (void *)&lo, sizeof(lo)) || listen(big, 1)) { printf("error sock %d\n", errno); return 1; }
	gl = sizeof(got); getsockname(big, (void *)&got, &gl); printf("bigport %u\n", ntohs(got.sin_port));
	static int bigval[500];
	for (int i = 0; i < 3; i++) {
		int bm = map_create_t(BPF_MAP_TYPE_SK_STORAGE, btf, 2000, 0, BPF_F_NO_PREALLOC, 3);
		for (int j = 0; j < 500; j++) bigval[j] = i * 1000 + j;
		if (bm < 0 || update(bm, big, bigval)) { printf("error big %d\n", errno); return 1; }
	}
	dump("big-all", IPPROTO_TCP, 1 << 10, one, 0, 0);
	close(big);
	// 40 listeners without storage: how many 124-byte messages the first datagram holds (NLMSG_GOODSIZE)
	int many[40];
	for (int i = 0; i < 40; i++) {
		many[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (bind(many[i], (void *)&lo, sizeof(lo)) || listen(many[i], 1)) { printf("error sock %d\n", errno); return 1; }
	}
	dump("many", IPPROTO_TCP, 1 << 10, one, 0, 0);
	for (int i = 0; i < 40; i++) close(many[i]);
	return 0;
}
