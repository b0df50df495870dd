package org.ebpf4j.host;

import org.junit.jupiter.api.Assumptions;

/** Shared helpers for tests that talk to the real kernel. */
final class HostTests {
    private HostTests() {}

    /** The host kernel, or the test is skipped with the reason bpf() was refused. */
    static HostBpf hostOrSkip() {
        try {
            return HostBpf.open();
        } catch (HostUnavailableException e) {
            Assumptions.abort(e.getMessage());
            throw e;
        }
    }

    /** An Ethernet/IPv4/UDP frame of {@code size} bytes (10.0.0.1:1000 → 10.0.0.2:2000). */
    static byte[] ipv4UdpFrame(int size) {
        byte[] f = new byte[size];
        f[12] = 0x08;                       // ETH_P_IP
        f[14] = 0x45;                       // version 4, ihl 5
        int ipLen = size - 14;
        f[16] = (byte) (ipLen >> 8);
        f[17] = (byte) ipLen;
        f[22] = 64;                         // ttl
        f[23] = 17;                         // IPPROTO_UDP
        f[26] = 10; f[29] = 1;              // saddr 10.0.0.1
        f[30] = 10; f[33] = 2;              // daddr 10.0.0.2
        f[34] = 0x03; f[35] = (byte) 0xe8;  // sport 1000
        f[36] = 0x07; f[37] = (byte) 0xd0;  // dport 2000
        int udpLen = size - 34;
        f[38] = (byte) (udpLen >> 8);
        f[39] = (byte) udpLen;
        for (int i = 42; i < size; i++) {
            f[i] = (byte) (i * 7);
        }
        return f;
    }
}
