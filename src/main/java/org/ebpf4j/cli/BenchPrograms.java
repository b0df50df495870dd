package org.ebpf4j.cli;

import java.util.List;

/**
 * The programs {@code ebpf4j bench} runs (issue 8), each from the committed objects of
 * {@code examples/bench/} (C beside them, rebuilt by {@code make -C examples}).
 */
final class BenchPrograms {
    private BenchPrograms() {}

    /**
     * One bench program.
     *
     * @param name      what {@code --only} matches and the table prints
     * @param object    the object file, relative to the bench directory
     * @param program   the entry program in it
     * @param frameSize the Ethernet/IPv4/UDP frame given as packet
     */
    record Bench(String name, String object, String program, int frameSize) {}

    static final List<Bench> ALL = List.of(
            new Bench("empty", "empty.bpf.o", "empty", 64),
            new Bench("sk_storage", "sk_counter.bpf.o", "sk_storage_count", 64),
            new Bench("hash_cookie", "sk_counter.bpf.o", "hash_count", 64),
            new Bench("parser_1500", "parser.bpf.o", "parse", 1500),
            new Bench("sieve_loop", "sieve_loop.bpf.o", "sieve_loop", 64),
            new Bench("tail_chain_33", "tail_chain.bpf.o", "chain_entry", 64),
            new Bench("tail_pingpong_33", "tail_pingpong.bpf.o", "pingpong_entry", 64));

    /** An Ethernet/IPv4/UDP frame of {@code size} bytes (10.0.0.1:1000 → 10.0.0.2:2000), patterned payload. */
    static byte[] frame(int size) {
        byte[] f = new byte[size];
        f[12] = 0x08;                       // ETH_P_IP
        f[14] = 0x45;                       // IPv4, ihl 5
        int ipLen = size - 14;
        f[16] = (byte) (ipLen >> 8);
        f[17] = (byte) ipLen;
        f[22] = 64;                         // ttl
        f[23] = 17;                         // IPPROTO_UDP
        f[26] = 10;
        f[29] = 1;                          // saddr 10.0.0.1
        f[30] = 10;
        f[33] = 2;                          // daddr 10.0.0.2
        f[34] = 0x03;
        f[35] = (byte) 0xe8;                // sport 1000
        f[36] = 0x07;
        f[37] = (byte) 0xd0;                // dport 2000
        int udpLen = size - 34;
        f[38] = (byte) (udpLen >> 8);
        f[39] = (byte) udpLen;
        for (int i = 42; i < size; i++) {
            f[i] = (byte) (i * 7);
        }
        return f;
    }
}
