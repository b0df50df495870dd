package org.ebpf4j.vm.jit;

import static java.lang.constant.ConstantDescs.*;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.memory.Arena;

/**
 * {@code call bpf_skb_load_bytes} with a constant length of 1, 2, 4 or 8 bytes (a
 * {@link org.ebpf4j.vm.helper.PacketLoadHelper}), compiled inline: the check that helper promises
 * to pass ({@code RunState.ctxObject(r1)} is a {@link org.ebpf4j.vm.helper.PacketSource} with a
 * packet, {@code 0 <= r2 <= pktLen - len}, {@code [r3, r3 + len)} in the arena), then one segment
 * load from the packet and one store to {@code r3}, and r0 = 0. Whenever the check fails (the
 * first call of a run, before the helper has found the packet behind the context; an offset out of
 * the packet: -EFAULT and the zeroed buffer) the helper is called as at any other site, so the
 * result is the helper's in every case. As the kernel's JITs do for direct packet access
 * (arch/x86/net/bpf_jit_comp.c, {@code BPF_PROBE_MEM}), this keeps a byte-by-byte parser
 * (parser_1500: 178 one-byte calls a run) out of a call that C2 no longer inlines in a big method.
 */
final class PacketEmitter {
    private PacketEmitter() {}

    private static final ClassDesc CD_LONG = ClassDesc.of("java.lang.Long");

    static void emitLoad(MethodGen m, int i, Insn in, int len) {
        CodeBuilder cb = m.cb;
        Label call = cb.newLabel();
        Label done = cb.newLabel();
        Label start = cb.newLabel();
        Label end = cb.newLabel();
        Label handler = cb.newLabel();
        cb.aload(m.stSlot);
        m.load(1);
        cb.invokevirtual(Descs.RUN_STATE, "ctxObject", Descs.CTX_OBJECT).astore(m.objTmp);
        cb.aload(m.objTmp).instanceOf(Descs.PACKET_SOURCE).ifeq(call);
        cb.aload(m.objTmp).checkcast(Descs.PACKET_SOURCE).invokeinterface(Descs.PACKET_SOURCE, "pkt", Descs.V_J);
        cb.dup2().lstore(m.tmp).lconst_0().lcmp().ifeq(call);                  // no packet
        m.load(2);
        cb.lconst_0().lcmp().iflt(call);                                        // offset < 0
        m.load(2);
        cb.aload(m.objTmp).checkcast(Descs.PACKET_SOURCE).invokeinterface(Descs.PACKET_SOURCE, "pktLen", Descs.V_I);
        cb.i2l().loadConstant((long) len).lsub().lcmp().ifgt(call);           // offset > pktLen - len
        m.load(3);
        cb.loadConstant(-Arena.BASE).ladd().loadConstant(m.cls.arenaSize - len)
                .invokestatic(CD_LONG, "compareUnsigned", Descs.JJ_I).ifgt(call); // to outside the arena
        MethodTypeDesc get = MethodTypeDesc.of(MemEmitter.prim(len), MemEmitter.layout(len), CD_long);
        MethodTypeDesc set = MethodTypeDesc.of(CD_void, MemEmitter.layout(len), CD_long, MemEmitter.prim(len));
        cb.labelBinding(start);
        cb.getstatic(m.cls.self, ClassGen.SEG, Descs.SEGMENT).getstatic(Descs.SUPPORT, "I" + len * 8, MemEmitter.layout(len));
        m.load(3);
        cb.loadConstant(-Arena.BASE).ladd();
        cb.getstatic(m.cls.self, ClassGen.SEG, Descs.SEGMENT).getstatic(Descs.SUPPORT, "I" + len * 8, MemEmitter.layout(len));
        cb.lload(m.tmp);
        m.load(2);
        cb.ladd().loadConstant(-Arena.BASE).ladd();
        cb.invokeinterface(Descs.SEGMENT, "get", get);
        cb.invokeinterface(Descs.SEGMENT, "set", set);
        cb.labelBinding(end);
        cb.lconst_0();
        m.store(0);
        cb.goto_(done);
        // A packet the arena does not hold (never, as packets are arena memory): the helper decides.
        cb.exceptionCatch(start, end, handler, Descs.INDEX_OUT_OF_BOUNDS);
        m.coldHandler(handler, b -> b.pop().goto_(call));
        cb.labelBinding(call);
        FlowEmitter.helperCall(m, i, in);
        cb.labelBinding(done);
    }
}
