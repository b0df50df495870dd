package org.ebpf4j.vm.jit;

import static org.ebpf4j.isa.Opcodes.*;
import static org.ebpf4j.vm.Progs.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.RunState;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.HelperTable;
import org.ebpf4j.vm.helper.PacketLoadHelper;
import org.ebpf4j.vm.helper.PacketSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The inline bpf_skb_load_bytes (PacketEmitter): a constant 1/2/4/8-byte load whose check passes
 * does not call the helper; the first call of a run (nothing remembered behind the ctx), a
 * failing check (offset out of the packet, no packet) and any other length or a non-constant one
 * do, and every answer is the helper's. The kernel side (HookRun) is in SkbLoadBytesInlineTest.
 */
class JitPacketLoadTest {
    private final Arena arena = new Arena(1 << 22);
    private final HelperTable helpers = HelperTable.base();
    private int calls;
    private long pkt;
    private int pktLen;

    /** A test double of net/core/filter.c bpf_skb_load_bytes that counts its calls. */
    private record Packet(long pkt, int pktLen) implements PacketSource {}

    JitPacketLoadTest() {
        helpers.register(new HelperProto(26, "bpf_skb_load_bytes", (PacketLoadHelper) this::loadBytes));
    }

    private long loadBytes(RunState s, long skb, long off, long to, long len, long unused) {
        calls++;
        s.rememberCtxObject(skb, new Packet(pkt, pktLen));
        if (pkt == 0 || off < 0 || len <= 0 || off + len > pktLen || !arena.contains(to, len)) {
            if (len > 0 && arena.contains(to, len)) {
                arena.fill(to, len, (byte) 0);
            }
            return Errno.EFAULT.negative();
        }
        arena.copy(to, pkt + off, len);
        return 0;
    }

    @AfterEach
    void close() { arena.close(); }

    /**
     * r7 = sum over {@code offs} of (ret * 1000 + the {@code len} bytes read at that offset into
     * fp-8, over 0x55..55); each call's r4 is {@code mov r4, len}, or copied from r9 if
     * {@code lenInRegister}.
     */
    private static List<Insn> program(int len, boolean lenInRegister, long... offs) {
        List<Insn> p = new ArrayList<>(List.of(movX(6, 1), movK(7, 0), movK(9, len)));
        for (long off : offs) {
            p.add(ins(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0x55555555));
            p.add(movX(1, 6));
            p.add(movK(2, (int) off));
            p.add(movX(3, 10));
            p.add(ins(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -8));
            p.add(lenInRegister ? movX(4, 9) : movK(4, len));
            p.add(call(26));
            p.add(ins(BPF_ALU64 | BPF_MUL | BPF_K, 0, 0, 0, 1000));
            p.add(ins(BPF_ALU64 | BPF_ADD | BPF_X, 7, 0, 0, 0));
            p.add(ins(BPF_LDX | BPF_MEM | BPF_DW, 0, 10, -8, 0));
            p.add(ins(BPF_ALU64 | BPF_ADD | BPF_X, 7, 0, 0, 0));
        }
        p.add(movX(0, 7));
        p.add(ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
        return p;
    }

    private long[] runBoth(List<Insn> insns, long ctx) {
        Executable jit = new JitCompiler(arena, helpers).load(prog(insns));
        assertEquals("jit", jit.engineName());
        Executable interp = new Interpreter(arena, helpers).load(prog(insns));
        calls = 0;
        long j = jit.run(ctx);
        int jitCalls = calls;
        calls = 0;
        long i = interp.run(ctx);
        assertEquals(i, j, "jit vs interpreter r0");
        return new long[] {j, jitCalls, calls};
    }

    private void packet(int len) {
        pktLen = len;
        pkt = arena.alloc(len);
        for (int k = 0; k < len; k++) {
            arena.store8(pkt + k, 0x10 + k);
        }
    }

    @Test
    void inPacketLoadsAfterTheFirstCallDoNotCallTheHelper() {
        packet(40);
        long ctx = arena.alloc(64);
        for (int len : new int[] {1, 2, 4, 8}) {
            // the first call finds the packet; 0, 39 (last byte), 40 - len (last fit) are inline;
            // 41 - len (one past) and -1 fall back to the helper: -EFAULT, buffer zeroed
            long[] r = runBoth(program(len, false, 5, 0, 40 - len, 41 - len, -1, 7), ctx);
            assertEquals(3, r[1], "len " + len + ": helper calls on the JIT (first, one past, negative)");
            assertEquals(6, r[2], "len " + len + ": the interpreter calls it every time");
        }
        long[] one = runBoth(program(1, false, 39), ctx);
        assertEquals(0x10 + 39 + 0x55555500L, one[0], "the packet's last byte over the sentinel");
    }

    @Test
    void otherLengthsAndRegisterLengthsAlwaysCallTheHelper() {
        packet(40);
        long ctx = arena.alloc(64);
        assertEquals(3, runBoth(program(3, false, 0, 4, 8), ctx)[1], "length 3 is not inlined");
        assertEquals(3, runBoth(program(4, true, 0, 4, 8), ctx)[1], "a length from a register is not inlined");
        assertEquals(3, runBoth(program(16, false, 0, 4, 8), ctx)[1], "length 16 is not inlined");
    }

    @Test
    void aContextWithoutPacketCallsTheHelperEachTime() {
        pkt = 0;
        pktLen = 0;
        long[] r = runBoth(program(4, false, 0, 4), arena.alloc(64));
        assertEquals(2, r[1]);
        assertEquals(2L * (Errno.EFAULT.negative() * 1000L + 0x55555555L - 0x55555555L), r[0],
                "-EFAULT and 4 zeroed bytes of 0x0000000055555555");
    }
}
