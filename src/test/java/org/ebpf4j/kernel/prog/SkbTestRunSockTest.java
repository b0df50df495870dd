package org.ebpf4j.kernel.prog;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Set;
import org.ebpf4j.api.BpfObject;
import org.ebpf4j.api.MapHandle;
import org.ebpf4j.kernel.cgroup.Cgroup;
import org.ebpf4j.vm.jit.JitCompiler;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The dummy socket of BPF_PROG_TEST_RUN on skb programs (net/bpf/test_run.c
 * {@code bpf_prog_test_run_skb}; spec kernel-observed-6.18.md "TEST_RUN quirks": a fresh socket
 * per call, its cookie and sk storage shared by that call's repeats, in the caller's cgroup).
 * {@code testrun_sk_probe.bpf.c} writes what it sees into an array; the expected values are what
 * the same object showed under {@code bpftool prog run} on this machine's Linux 6.18
 * (2026-11-22), on the interpreter and the JIT.
 */
class SkbTestRunSockTest {
    static final Path PROBE = Path.of("src/test/bpf/testrun_sk_probe.bpf.o");

    // slots of testrun_sk_probe.bpf.c's enum
    static final int SKB_FAMILY = 0, SKB_LOCAL_IP4 = 1, SKB_REMOTE_IP4 = 2, SKB_LOCAL_PORT = 3, SKB_REMOTE_PORT = 4,
            SK_NULL = 5, SK_FAMILY = 6, SK_TYPE = 7, SK_PROTOCOL = 8, SK_STATE = 9, SK_SRC_IP4 = 10, SK_DST_IP4 = 11,
            SK_SRC_PORT = 12, SK_DST_PORT = 13, SK_RX_QUEUE = 14, SK_BOUND_DEV_IF = 15, SK_MARK = 16, SK_PRIORITY = 17,
            FULLSOCK = 18, COOKIE = 19, SOCKET_UID = 20, SKB_CGROUP_IS_CURRENT = 21, SK_CGROUP_IS_CURRENT = 22,
            STORAGE_COUNT = 23, NR_SEEN = 24;

    static BpfObject open(String engine) {
        return BpfObject.open(PROBE, env -> {
            if (engine.equals("jit")) {
                env.registerEngine(ProgEnv.EngineKind.JIT, e -> new JitCompiler(e.runtime().arena(), e.helpers(), Set.of()));
                env.setDefaultEngine(ProgEnv.EngineKind.JIT);
            }
        });
    }

    /** Ethernet + IPv4 + UDP, 10.0.0.1:1000 → 10.0.0.2:2000, 64 bytes. */
    static byte[] ipv4Frame() {
        byte[] f = new byte[64];
        f[12] = 0x08;
        f[14] = 0x45;
        f[17] = 50;
        f[23] = 17;
        f[26] = 10; f[29] = 1;
        f[30] = 10; f[33] = 2;
        f[34] = 0x03; f[35] = (byte) 0xe8;
        f[36] = 0x07; f[37] = (byte) 0xd0;
        return f;
    }

    static long[] seen(BpfObject o) {
        MapHandle m = o.map("seen");
        long[] v = new long[NR_SEEN];
        for (int i = 0; i < NR_SEEN; i++) {
            v[i] = ByteBuffer.wrap(m.lookup(new byte[] {(byte) i, 0, 0, 0})).order(ByteOrder.LITTLE_ENDIAN).getLong();
        }
        return v;
    }

    /** An IPv4 address as the program stored it: the u32 load of network-order bytes, zero-extended. */
    static long ip4(int a, int b, int c, int d) { return (a & 0xffL) | (b & 0xffL) << 8 | (c & 0xffL) << 16 | (d & 0xffL) << 24; }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void theDummySocketLooksAsOnLinux(String engine) {
        try (BpfObject o = open(engine)) {
            Cgroup cg = o.runtime().cgroups().mkdirs("/probe/inner");
            o.task().setCgroupId(cg.id());
            long refsBefore = cg.bpfRefcnt();

            TestRunResult r = o.program("probe").testRun(ipv4Frame(), 5);
            assertEquals(1, r.retval());
            long[] s = seen(o);
            assertEquals(2, s[SKB_FAMILY]);
            assertEquals(ip4(10, 0, 0, 1), s[SKB_LOCAL_IP4], "local_ip4 = the IP source");
            assertEquals(ip4(10, 0, 0, 2), s[SKB_REMOTE_IP4], "remote_ip4 = the IP destination");
            assertEquals(0, s[SKB_LOCAL_PORT], "the dummy socket has no port");
            assertEquals(0, s[SKB_REMOTE_PORT]);
            assertEquals(0, s[SK_NULL], "skb->sk is set");
            assertEquals(1, s[FULLSOCK]);
            assertEquals(2, s[SK_FAMILY]);
            assertEquals(0, s[SK_TYPE], "sock_init_data(NULL, sk): no socket type");
            assertEquals(0, s[SK_PROTOCOL]);
            assertEquals(7, s[SK_STATE], "TCP_CLOSE");
            assertEquals(ip4(10, 0, 0, 1), s[SK_SRC_IP4]);
            assertEquals(ip4(10, 0, 0, 2), s[SK_DST_IP4]);
            assertEquals(0, s[SK_SRC_PORT]);
            assertEquals(0, s[SK_DST_PORT]);
            assertEquals(-1, s[SK_RX_QUEUE]);
            assertEquals(0, s[SK_BOUND_DEV_IF]);
            assertEquals(0, s[SK_MARK]);
            assertEquals(0, s[SK_PRIORITY]);
            assertEquals(0, s[SOCKET_UID], "sock_init_data(NULL, sk) gives uid 0");
            assertEquals(1, s[SKB_CGROUP_IS_CURRENT], "the dummy socket is in the caller's cgroup");
            assertEquals(1, s[SK_CGROUP_IS_CURRENT]);
            assertEquals(5, s[STORAGE_COUNT], "one socket, one storage, for every repeat of the call");
            long cookie = s[COOKIE];
            assertNotEquals(0, cookie);

            // the call's socket is gone with the call: not live, its cgroup reference dropped
            assertTrue(o.runtime().net().sockets().isEmpty(), o.runtime().net().sockets().toString());
            assertEquals(refsBefore, cg.bpfRefcnt());

            // a second call: a new socket, so a new cookie and fresh storage
            o.program("probe").testRun(ipv4Frame(), 1);
            long[] t = seen(o);
            assertNotEquals(cookie, t[COOKIE]);
            assertNotEquals(0, t[COOKIE]);
            assertEquals(1, t[STORAGE_COUNT]);
            assertTrue(o.runtime().net().sockets().isEmpty());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void aNonIpFrameLeavesTheFamilyUnspecified(String engine) {
        try (BpfObject o = open(engine)) {
            byte[] f = new byte[64];
            f[12] = (byte) 0x88;
            f[13] = (byte) 0xb5;    // an experimental ethertype
            assertEquals(1, o.program("probe").testRun(f, 1).retval());
            long[] s = seen(o);
            assertEquals(0, s[SKB_FAMILY], "observed: AF_UNSPEC, as sk_alloc made it");
            assertEquals(0, s[SK_FAMILY]);
            assertEquals(0, s[SK_SRC_IP4]);
            assertEquals(0, s[SKB_LOCAL_IP4]);
            assertEquals(1, s[FULLSOCK]);
        }
    }
}
