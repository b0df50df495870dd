// SPDX-License-Identifier: GPL-2.0
// A packet parser: Ethernet, IPv4 and UDP headers read with bpf_skb_load_bytes, then a
// ones'-complement sum over the UDP payload, read in 256-byte chunks. Returns the folded sum
// (0 for a packet that is not IPv4/UDP), so both sides must read every byte alike.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define CHUNK 256
#define MAX_CHUNKS 8

SEC("tc")
int parse(struct __sk_buff *skb)
{
	struct ethhdr eth;
	struct iphdr ip;
	struct udphdr udp;
	__u8 buf[CHUNK];
	__u32 sum = 0, off, len;

	if (bpf_skb_load_bytes(skb, 0, &eth, sizeof(eth)))
		return 0;
	if (eth.h_proto != bpf_htons(ETH_P_IP))
		return 0;
	if (bpf_skb_load_bytes(skb, sizeof(eth), &ip, sizeof(ip)))
		return 0;
	if (ip.ihl != 5 || ip.protocol != IPPROTO_UDP)
		return 0;
	off = sizeof(eth) + sizeof(ip);
	if (bpf_skb_load_bytes(skb, off, &udp, sizeof(udp)))
		return 0;
	off += sizeof(udp);
	len = skb->len > off ? skb->len - off : 0;

	for (int c = 0; c < MAX_CHUNKS; c++) {
		__u32 n = len > CHUNK ? CHUNK : len;
		if (n < CHUNK)
			break;          /* the tail is summed below, byte by byte */
		if (bpf_skb_load_bytes(skb, off, buf, CHUNK))
			return 0;
		for (int i = 0; i < CHUNK; i += 2)
			sum += (buf[i] << 8) | buf[i + 1];
		off += CHUNK;
		len -= CHUNK;
	}
	for (int i = 0; i < CHUNK && i < len; i++) {
		__u8 b;
		if (bpf_skb_load_bytes(skb, off + i, &b, 1))
			return 0;
		sum += (i & 1) ? b : (b << 8);
	}
	sum += bpf_ntohs(udp.source) + bpf_ntohs(udp.dest) + ip.saddr + ip.daddr;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

char LICENSE[] SEC("license") = "GPL";
