package org.ebpf4j.vm.jit;

import static java.lang.constant.ConstantDescs.*;
import static org.ebpf4j.isa.Opcodes.*;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.Opcode;
import java.lang.constant.ClassDesc;
import org.ebpf4j.isa.Insn;

/**
 * BPF_JMP, BPF_JMP32 and BPF_LD: jumps as JVM branches (unsigned compares through
 * {@code Long/Integer.compareUnsigned}, which C2 intrinsifies), exit as return, helper calls as
 * {@code invokeinterface Helper.call} on a constant field, bpf-to-bpf calls as {@code invokestatic}
 * of the callee's method with a fresh frame ({@code fp - 512}, depth + 1), may_goto against the
 * run's loop budget, ld_imm64 as a constant.
 */
final class FlowEmitter {
    private FlowEmitter() {}

    private static final ClassDesc CD_INTEGER = ClassDesc.of("java.lang.Integer");
    private static final ClassDesc CD_LONG = ClassDesc.of("java.lang.Long");

    static void emitLd(MethodGen m, int i, Insn in) {
        CodeBuilder cb = m.cb;
        int c = in.opcode();
        if (c == LD_IMM64) {
            long v = in.imm64(m.cls.insns.get(i + 1));
            if (in.src() == BPF_PSEUDO_FUNC) {
                v = JitSupport.FUNC_BASE + ((long) (i + in.imm() + 1) << 3);
            }
            cb.loadConstant(v);
            m.store(in.dst());
            return;
        }
        if (mode(c) == BPF_ABS || mode(c) == BPF_IND) {        // as the interpreter: not implemented
            m.loadPc(cb, i);
            cb.invokestatic(Descs.SUPPORT, "ldAbsFault", Descs.I_FAULT).athrow();
            return;
        }
        throw AluEmitter.unexpected(i, in);
    }

    static void emit(MethodGen m, int i, Insn in) {
        CodeBuilder cb = m.cb;
        int c = in.opcode();
        int op = op(c);
        switch (op) {
            case BPF_EXIT -> m.emitExit();
            case BPF_CALL -> {
                if (in.src() == BPF_PSEUDO_CALL) {
                    localCall(m, i, in);
                } else if (m.cls.isTailCall(i)) {
                    tailCall(m, i);
                } else if (m.cls.loopCallback(i) >= 0) {
                    loopCall(m, i, m.cls.loopCallback(i));
                } else if (m.cls.packetLoadLen(i) > 0) {
                    PacketEmitter.emitLoad(m, i, in, m.cls.packetLoadLen(i));
                } else {
                    helperCall(m, i, in);
                }
            }
            case BPF_JA -> cb.goto_(m.target(Plan.jumpTarget(i, in)));
            case BPF_JCOND -> {                                 // may_goto: taken once the budget is spent
                Label t = m.target(Plan.jumpTarget(i, in));
                cb.aload(MethodGen.CTX).getfield(Descs.CONTEXT, "loops", CD_long).lconst_0().lcmp().ifeq(t);
                cb.aload(MethodGen.CTX).dup().getfield(Descs.CONTEXT, "loops", CD_long).lconst_1().lsub()
                        .putfield(Descs.CONTEXT, "loops", CD_long);
            }
            default -> {
                if (cls(c) == BPF_JMP) {
                    jmp64(m, i, in);
                } else {
                    jmp32(m, i, in);
                }
            }
        }
    }

    private static void jmp64(MethodGen m, int i, Insn in) {
        CodeBuilder cb = m.cb;
        int op = op(in.opcode());
        Label t = m.target(Plan.jumpTarget(i, in));
        m.load(in.dst());
        if (source(in.opcode()) == BPF_X) {
            m.load(in.src());
        } else {
            cb.loadConstant((long) in.imm());
        }
        switch (op) {
            case BPF_JSET -> cb.land().lconst_0().lcmp().ifne(t);
            case BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE -> {
                cb.invokestatic(CD_LONG, "compareUnsigned", Descs.JJ_I);
                cb.branch(zeroCompare(op), t);
            }
            default -> {
                cb.lcmp();
                cb.branch(zeroCompare(op), t);
            }
        }
    }

    private static void jmp32(MethodGen m, int i, Insn in) {
        CodeBuilder cb = m.cb;
        int op = op(in.opcode());
        Label t = m.target(Plan.jumpTarget(i, in));
        m.load(in.dst());
        cb.l2i();
        if (source(in.opcode()) == BPF_X) {
            m.load(in.src());
            cb.l2i();
        } else {
            cb.loadConstant(in.imm());
        }
        switch (op) {
            case BPF_JSET -> cb.iand().ifne(t);
            case BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE -> {
                cb.invokestatic(CD_INTEGER, "compareUnsigned", Descs.II_I);
                cb.branch(zeroCompare(op), t);
            }
            default -> cb.branch(switch (op) {
                case BPF_JEQ -> Opcode.IF_ICMPEQ;
                case BPF_JNE -> Opcode.IF_ICMPNE;
                case BPF_JSGT -> Opcode.IF_ICMPGT;
                case BPF_JSGE -> Opcode.IF_ICMPGE;
                case BPF_JSLT -> Opcode.IF_ICMPLT;
                case BPF_JSLE -> Opcode.IF_ICMPLE;
                default -> throw AluEmitter.unexpected(i, in);
            }, t);
        }
    }

    /** The branch on a compare result (-1/0/1, or compareUnsigned's sign) for a BPF jump op. */
    private static Opcode zeroCompare(int op) {
        return switch (op) {
            case BPF_JEQ -> Opcode.IFEQ;
            case BPF_JNE -> Opcode.IFNE;
            case BPF_JGT, BPF_JSGT -> Opcode.IFGT;
            case BPF_JGE, BPF_JSGE -> Opcode.IFGE;
            case BPF_JLT, BPF_JSLT -> Opcode.IFLT;
            case BPF_JLE, BPF_JSLE -> Opcode.IFLE;
            default -> throw new IllegalStateException("jump op 0x" + Integer.toHexString(op));
        };
    }

    /**
     * {@code call helper}: records program, frame and slot for callbacks, calls the constant helper,
     * then takes a requested tail call. Exceptions escaping the helper (or a foreign tail-call
     * target) become the interpreter's ProgramFault for this slot.
     */
    static void helperCall(MethodGen m, int i, Insn in) {
        CodeBuilder cb = m.cb;
        ClassDesc self = m.cls.self;
        cb.aload(MethodGen.CTX).getstatic(self, ClassGen.EXE, Descs.EXECUTABLE)
                .putfield(Descs.CONTEXT, "curExe", Descs.EXECUTABLE);
        cb.aload(MethodGen.CTX).iload(m.depthSlot).putfield(Descs.CONTEXT, "curDepth", CD_int);
        cb.aload(MethodGen.CTX);
        m.loadPc(cb, i);
        cb.putfield(Descs.CONTEXT, "callSite", CD_int);
        Label start = cb.newLabel();
        Label end = cb.newLabel();
        Label handler = cb.newLabel();
        Label cont = cb.newLabel();
        cb.labelBinding(start);
        cb.getstatic(self, m.cls.helperField(i), Descs.HELPER).aload(m.stSlot);
        for (int r = 1; r <= 5; r++) {
            m.load(r);
        }
        cb.invokeinterface(Descs.HELPER, "call", Descs.HELPER_CALL);
        m.store(0);
        cb.aload(m.stSlot).invokevirtual(Descs.RUN_STATE, "tailCallPending", MethodTypeDescs.Z);
        cb.ifeq(cont);
        cb.aload(MethodGen.CTX);
        m.load(1);
        m.load(2);
        cb.invokevirtual(Descs.CONTEXT, "takeTail", Descs.TAKE_TAIL);
        cb.labelBinding(end);
        cb.ifeq(cont);
        m.emitTailReturn();
        cb.labelBinding(cont);
        cb.exceptionCatch(start, end, handler, Descs.RUNTIME_EXCEPTION);
        m.coldHandler(handler, b -> {
            m.loadPc(b, i);
            b.invokestatic(Descs.SUPPORT, "helperFault", Descs.HELPER_FAULT).athrow();
        });
    }

    /**
     * {@code call bpf_tail_call} inline, as arch/x86/net/bpf_jit_comp.c emit_bpf_tail_call_indirect:
     * the slot read (the constant helper's {@code tailCallTarget}, which C2 inlines), then
     * {@link JitContext#tailCallDirect} counts it, and this frame invokes the target's
     * {@link CompiledProgram#entry} itself, in its own BPF frame (fp, depth), and returns its r0:
     * a direct call instead of a return to a trampoline that dispatches again. The call site is in
     * this program's class, so its type profile is this program's targets (usually one: C2 inlines
     * it). Falling through sets r0 to {@link org.ebpf4j.vm.helper.TailCallHelper#FALL_THROUGH}, as
     * the generic helper does. No RunState bookkeeping (curExe, callSite) is needed: nothing here
     * calls back into the program. Only the slot read and the count are under the fault handler;
     * a fault in the target is already the target's ProgramFault. A tail call of the main program
     * into itself (a loop written as tail calls) restarts this method after its prologue instead,
     * counted the same way, so the Java stack does not grow with it.
     */
    private static void tailCall(MethodGen m, int i) {
        CodeBuilder cb = m.cb;
        Label start = cb.newLabel();
        Label end = cb.newLabel();
        Label handler = cb.newLabel();
        Label fall = cb.newLabel();
        Label fellThrough = cb.newLabel();
        cb.labelBinding(start);
        String bound = m.cls.tailSlotsField(i);
        Label read = cb.newLabel();
        if (bound != null) {                                // the map bound at compile time, if r2 is it
            Label generic = cb.newLabel();
            m.load(2);
            cb.loadConstant(m.cls.tailMapAddr(i)).lcmp().ifne(generic);
            cb.getstatic(m.cls.self, bound, Descs.TAIL_CALL_SLOTS);
            m.load(3);
            cb.loadConstant(0xffffffffL).land();
            cb.invokeinterface(Descs.TAIL_CALL_SLOTS, "tailCallTarget", Descs.SLOT_TARGET);
            cb.goto_(read);
            cb.labelBinding(generic);
        }
        cb.getstatic(m.cls.self, m.cls.helperField(i), Descs.HELPER).checkcast(Descs.TAIL_CALL_HELPER);
        m.load(2);
        m.load(3);
        cb.loadConstant(0xffffffffL).land();                // u32 index = BPF_R3
        cb.invokeinterface(Descs.TAIL_CALL_HELPER, "tailCallTarget", Descs.TAIL_TARGET);
        cb.labelBinding(read);
        cb.astore(m.refTmp);
        if (m.canRestartAsEntry()) {                        // into itself: restart this method, no call
            Label other = cb.newLabel();
            cb.aload(m.refTmp).getstatic(m.cls.self, ClassGen.EXE, Descs.EXECUTABLE).if_acmpne(other);
            cb.aload(m.stSlot).aload(m.refTmp).invokevirtual(Descs.RUN_STATE, "tryTailCall", Descs.TRY_TAIL);
            cb.ifeq(fellThrough);
            m.emitRestart();
            cb.labelBinding(other);
        }
        cb.aload(MethodGen.CTX).aload(m.refTmp);
        m.load(1);
        m.load(2);
        cb.invokevirtual(Descs.CONTEXT, "tailCallDirect", Descs.TAIL_CALL_DIRECT);
        cb.labelBinding(end);
        cb.dup().ifnull(fall);
        cb.aload(MethodGen.CTX);
        m.load(1);
        m.load(2);
        cb.lload(m.fpSlot).iload(m.depthSlot);
        cb.invokevirtual(Descs.COMPILED, "entry", Descs.ENTRY);
        m.store(0);
        m.emitExit();
        cb.labelBinding(fall);
        cb.pop();
        cb.labelBinding(fellThrough);
        cb.loadConstant(org.ebpf4j.vm.helper.TailCallHelper.FALL_THROUGH);
        m.store(0);
        cb.exceptionCatch(start, end, handler, Descs.RUNTIME_EXCEPTION);
        m.coldHandler(handler, b -> {
            m.loadPc(b, i);
            b.invokestatic(Descs.SUPPORT, "helperFault", Descs.HELPER_FAULT).athrow();
        });
    }

    /**
     * {@code call bpf_loop} with a constant callback, inline as kernel/bpf/verifier.c
     * inline_bpf_loop does: the {@link org.ebpf4j.vm.helper.LoopHelper} semantics (flags → -EINVAL,
     * more than BPF_MAX_LOOPS → -E2BIG, else call {@code cb(i, ctx)} until it returns non-zero;
     * r0 = calls made) as a loop that invokes the callback's method directly in a new frame below
     * this one, as {@link JitContext#callback} would run it (same depth limit and fault, checked
     * when a call is made). r1-r5 are clobbered as by any helper call: r1 holds the count, r5 the
     * index.
     */
    private static void loopCall(MethodGen m, int i, int callback) {
        CodeBuilder cb = m.cb;
        int depth = m.depthSlot;
        Label loop = cb.newLabel();
        Label stop = cb.newLabel();
        Label done = cb.newLabel();
        Label end = cb.newLabel();
        Label einval = m.cold(b -> {
            b.loadConstant((long) org.ebpf4j.uapi.Errno.EINVAL.negative());
            b.lstore(m.reg[0]);
            b.goto_(end);
        });
        Label e2big = m.cold(b -> {
            b.loadConstant((long) org.ebpf4j.uapi.Errno.E2BIG.negative());
            b.lstore(m.reg[0]);
            b.goto_(end);
        });
        Label tooDeep = m.cold(b -> {
            b.iload(depth);
            m.loadPc(b, i);
            b.invokestatic(Descs.SUPPORT, "depthFault", Descs.II_FAULT).athrow();
        });
        m.load(4);
        cb.lconst_0().lcmp().ifne(einval);
        m.load(1);
        cb.loadConstant(0xffffffffL).land();
        m.store(1);
        m.load(1);
        cb.loadConstant(org.ebpf4j.vm.helper.LoopHelper.BPF_MAX_LOOPS).lcmp().ifgt(e2big);
        cb.lconst_0();
        m.store(5);
        cb.labelBinding(loop);
        m.load(5);
        m.load(1);
        cb.lcmp().ifge(done);
        cb.iload(depth).loadConstant(JitContext.MAX_FRAMES - 2).if_icmpgt(tooDeep);
        cb.aload(MethodGen.CTX);
        m.load(5);
        m.load(3);
        cb.lconst_0().lconst_0().lconst_0();
        cb.lload(m.fpSlot).loadConstant((long) JitContext.STACK).lsub();
        cb.iload(depth).iconst_1().iadd();
        cb.invokestatic(m.cls.self, ClassGen.subprogName(callback), Descs.SUBPROG);
        m.store(0);
        Label counted = cb.newLabel();
        cb.aload(MethodGen.CTX).getfield(Descs.CONTEXT, "tailTarget", Descs.EXECUTABLE).ifnull(counted);
        cb.aload(MethodGen.CTX).lload(m.fpSlot).loadConstant((long) JitContext.STACK).lsub()
                .iload(depth).iconst_1().iadd().invokevirtual(Descs.CONTEXT, "runTailCalls", Descs.RUN_TAILS);
        m.store(0);
        cb.labelBinding(counted);
        m.load(5);
        cb.lconst_1().ladd();
        m.store(5);
        m.load(0);
        cb.lconst_0().lcmp().ifne(stop);
        cb.goto_(loop);
        cb.labelBinding(stop);
        cb.labelBinding(done);
        m.load(5);
        m.store(0);
        cb.labelBinding(end);
    }

    /**
     * {@code call pc+imm+1}: the callee's method with r1-r5, a new frame below this one and depth
     * + 1 (at most 8 frames, checked at run time since callbacks and tail calls start deeper).
     * A tail call taken in the callee runs here, in the callee's frame, before continuing.
     */
    private static void localCall(MethodGen m, int i, Insn in) {
        CodeBuilder cb = m.cb;
        int callee = m.cls.plan.subprogOf(i + in.imm() + 1);
        int depth = m.depthSlot;
        Label tooDeep = m.cold(b -> {
            b.iload(depth);
            m.loadPc(b, i);
            b.invokestatic(Descs.SUPPORT, "depthFault", Descs.II_FAULT).athrow();
        });
        cb.iload(depth).loadConstant(JitContext.MAX_FRAMES - 1).if_icmpge(tooDeep);
        cb.aload(MethodGen.CTX);
        for (int r = 1; r <= 5; r++) {
            m.load(r);
        }
        cb.lload(m.fpSlot).loadConstant((long) JitContext.STACK).lsub();
        cb.iload(depth).iconst_1().iadd();
        cb.invokestatic(m.cls.self, ClassGen.subprogName(callee), Descs.SUBPROG);
        m.store(0);
        Label cont = cb.newLabel();
        cb.aload(MethodGen.CTX).getfield(Descs.CONTEXT, "tailTarget", Descs.EXECUTABLE).ifnull(cont);
        cb.aload(MethodGen.CTX).lload(m.fpSlot).loadConstant((long) JitContext.STACK).lsub()
                .iload(depth).iconst_1().iadd().invokevirtual(Descs.CONTEXT, "runTailCalls", Descs.RUN_TAILS);
        m.store(0);
        cb.labelBinding(cont);
    }

    /** Small shared descriptors. */
    private static final class MethodTypeDescs {
        static final java.lang.constant.MethodTypeDesc Z = java.lang.constant.MethodTypeDesc.of(CD_boolean);
    }
}
