package org.ebpf4j.kernel.net.diag;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.net.Net;
import org.ebpf4j.kernel.net.SockAddr;
import org.ebpf4j.kernel.net.Socket;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.syscall.BtfLoadAttr;
import org.ebpf4j.syscall.KernelBpf;
import org.ebpf4j.syscall.MapCreateAttr;
import org.ebpf4j.syscall.RawBtf;
import org.ebpf4j.uapi.MapType;

/**
 * A root task with SK_STORAGE maps (BTF: int key; values {@code struct val {int a, b, c;}} of 12
 * bytes, {@code struct locked {struct bpf_spin_lock l; int n;}} of 8, {@code struct big} of
 * 2000) and sockets on the modelled loopback, for the sock_diag tests.
 */
final class DiagFixture {
    final Net net;
    final KernelBpf bpf;
    final Task t;
    final int btfFd;
    final int tInt;
    final int tVal12;
    final int tLocked;
    final int tBig;

    DiagFixture(org.ebpf4j.kernel.Runtime rt, KernelBpf bpf, Task t) {
        this.net = rt.net();
        this.bpf = bpf;
        this.t = t;
        RawBtf b = new RawBtf();
        tInt = b.integer("int", 4);
        tVal12 = b.struct("val", 12, "a", tInt, 0, "b", tInt, 4, "c", tInt, 8);
        int lock = b.struct("bpf_spin_lock", 4, "val", tInt, 0);
        tLocked = b.struct("locked", 8, "l", lock, 0, "n", tInt, 4);
        tBig = b.struct("big", 2000, "a", tInt, 0);
        btfFd = bpf.btfLoad(t, BtfLoadAttr.of(b.bytes()));
    }

    /** An SK_STORAGE map with a 12-byte value. */
    int skStorage() { return skStorage(12, tVal12); }

    int skStorage(int valueSize, int valueType) {
        return bpf.mapCreate(t, MapCreateAttr.of(MapType.SK_STORAGE, 4, valueSize, 0, MapFlags.BPF_F_NO_PREALLOC)
                .withBtf(btfFd, tInt, valueType));
    }

    int array() { return bpf.mapCreate(t, MapCreateAttr.of(MapType.ARRAY, 4, 4, 1, 0)); }

    int mapId(int fd) { return ((File.MapFile) t.fds().get(fd)).map().id(); }

    /** A TCP socket listening on 127.0.0.1:{@code port}. */
    int listener(int port) {
        int fd = net.socket(t, SockAddr.AF_INET, Socket.SOCK_STREAM, 0);
        net.bind(t, fd, SockAddr.parse("127.0.0.1:" + port));
        net.listen(t, fd, 1);
        return fd;
    }

    /** A UDP socket bound to 127.0.0.1:{@code port}. */
    int udp(int port) {
        int fd = net.socket(t, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0);
        net.bind(t, fd, SockAddr.parse("127.0.0.1:" + port));
        return fd;
    }

    void store(int map, int sock, byte[] value) { bpf.mapUpdateElem(t, map, le(sock), value, 0); }

    static byte[] le(int... words) {
        ByteBuffer b = ByteBuffer.allocate(words.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int w : words) {
            b.putInt(w);
        }
        return b.array();
    }

    static byte[] pattern(int size, int seed) {
        byte[] v = new byte[size];
        for (int i = 0; i < size; i++) {
            v[i] = (byte) (seed + i * 7);
        }
        return v;
    }

    /** A TCP listener dump of IPv4 with the storages of {@code mapFds} (none: all). */
    List<DiagSock> dumpListeners(int... mapFds) {
        return net.diag().dump(t, InetDiagReq.dump(SockAddr.AF_INET, Socket.IPPROTO_TCP, InetDiag.stateBit(10)).withStorages(mapFds));
    }

    static DiagSock byPort(List<DiagSock> socks, int port) {
        return socks.stream().filter(s -> s.src().port() == port).findFirst().orElse(null);
    }
}
