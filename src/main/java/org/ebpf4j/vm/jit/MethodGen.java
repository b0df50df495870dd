package org.ebpf4j.vm.jit;

import static java.lang.constant.ConstantDescs.CD_long;
import static org.ebpf4j.isa.Opcodes.*;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.instruction.SwitchCase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.ebpf4j.isa.Insn;

/**
 * Emits one JVM method covering slots {@code [from, to)}: a whole subprogram, or one region of a
 * split one (see {@link Plan}). Registers r0-r9 are {@code long} locals, r10 is the {@code fp}
 * parameter. The per-class emitters ({@link AluEmitter}, {@link MemEmitter}, {@link FlowEmitter})
 * write the body; this class owns the frame layout, labels, region hand-offs and the cold code
 * (fault paths, exception handlers, region exits), which is placed after the body.
 *
 * <p>Local slots, whole method {@code (ctx, r1..r5, fp, depth)}: ctx 0, r1-r5 1-9, fp 11, depth 13,
 * then r0, r6-r9, tmp, RunState, fp-BASE. Region method {@code (ctx, regs, fp, depth, entry)}:
 * ctx 0, regs 1, fp 2, depth 4, entry 5, then r0-r9 and the same scratch locals.
 */
final class MethodGen {
    final CodeBuilder cb;
    final ClassGen cls;
    final int sub;
    /** Region index within the subprogram, or -1 for a whole subprogram. */
    final int region;
    final int from;
    final int to;
    final Label[] labels;
    private final Map<Integer, Label> leaves = new TreeMap<>();
    private final List<Runnable> cold = new ArrayList<>();

    static final int CTX = 0;
    final int regsSlot;
    final int fpSlot;
    final int depthSlot;
    final int entrySlot;
    final int[] reg = new int[11];
    final int tmp;
    final int stSlot;
    final int fpOffSlot;
    /** A reference scratch local (the tail-call target). */
    final int refTmp;
    /** An Object scratch local (what RunState remembers behind the ctx, {@link PacketEmitter}). */
    final int objTmp;
    /** After the prologue of a whole subprogram: where a tail call of the program into itself jumps. */
    final Label bodyStart;

    MethodGen(CodeBuilder cb, ClassGen cls, int sub, int region, int from, int to) {
        this.cb = cb;
        this.cls = cls;
        this.sub = sub;
        this.region = region;
        this.from = from;
        this.to = to;
        this.labels = new Label[to - from];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = cb.newLabel();
        }
        int next;
        if (region < 0) {
            regsSlot = -1;
            for (int r = 1; r <= 5; r++) {
                reg[r] = 1 + 2 * (r - 1);
            }
            fpSlot = 11;
            depthSlot = 13;
            entrySlot = -1;
            next = 14;
            reg[0] = next;
            next += 2;
            for (int r = 6; r <= 9; r++, next += 2) {
                reg[r] = next;
            }
        } else {
            regsSlot = 1;
            fpSlot = 2;
            depthSlot = 4;
            entrySlot = 5;
            next = 6;
            for (int r = 0; r <= 9; r++, next += 2) {
                reg[r] = next;
            }
        }
        reg[10] = fpSlot;
        tmp = next;
        stSlot = next + 2;
        fpOffSlot = next + 3;
        refTmp = next + 5;
        objTmp = next + 6;
        bodyStart = cb.newLabel();
    }

    boolean isRegion() { return region >= 0; }

    void emit() {
        prologue();
        for (int i = from; i < to; i++) {
            cb.labelBinding(labels[i - from]);
            Insn in = cls.insns.get(i);
            emitInsn(i, in);
            if (in.isLdImm64()) {
                i++;
                cb.labelBinding(labels[i - from]);      // never a target; keeps the table full
            }
        }
        int last = lastSlot();
        if (Plan.fallsThrough(cls.insns.get(last))) {
            if (!isRegion()) {
                throw new IllegalStateException("subprogram falls off its end at insn " + last);
            }
            cb.goto_(leave(to));
        }
        for (Map.Entry<Integer, Label> e : leaves.entrySet()) {
            cb.labelBinding(e.getValue());
            emitLeave(e.getKey());
        }
        for (int k = 0; k < cold.size(); k++) {             // cold blocks may add more cold blocks
            cold.get(k).run();
        }
    }

    private int lastSlot() {
        int last = from;
        for (int i = from; i < to; i++) {
            last = i;
            if (cls.insns.get(i).isLdImm64()) {
                i++;
            }
        }
        return last;
    }

    private void prologue() {
        cb.aload(CTX).getfield(Descs.CONTEXT, "state", Descs.RUN_STATE).astore(stSlot);
        cb.lload(fpSlot).loadConstant(-org.ebpf4j.memory.Arena.BASE).ladd().lstore(fpOffSlot);
        cb.lconst_0().lstore(tmp);
        if (!isRegion()) {
            for (int r : new int[] {0, 6, 7, 8, 9}) {
                cb.lconst_0().lstore(reg[r]);
            }
            cb.labelBinding(bodyStart);
            return;
        }
        for (int r = 0; r <= 9; r++) {
            cb.aload(regsSlot).loadConstant(r).laload().lstore(reg[r]);
        }
        int[] entries = cls.plan.entries[sub][region];
        List<SwitchCase> cases = new ArrayList<>();
        for (int e : entries) {
            cases.add(SwitchCase.of(e, labels[e - from]));
        }
        cb.iload(entrySlot).lookupswitch(labels[entries[0] - from], cases);
    }

    private void emitInsn(int i, Insn in) {
        int c = in.opcode();
        switch (cls(c)) {
            case BPF_ALU, BPF_ALU64 -> AluEmitter.emit(this, i, in);
            case BPF_LDX, BPF_ST, BPF_STX -> MemEmitter.emit(this, i, in);
            case BPF_LD -> FlowEmitter.emitLd(this, i, in);
            default -> FlowEmitter.emit(this, i, in);
        }
    }

    // ---- registers ----

    void load(int r) { cb.lload(reg[r]); }

    void store(int r) { cb.lstore(reg[r]); }

    /**
     * Pushes slot index {@code pc} without a constant-pool entry of its own: as {@code from +
     * (pc - from)} past sipush's range. A split 1M-slot program has a fault path per access, and
     * one int constant each would overflow the pool's 65 535 entries.
     */
    void loadPc(CodeBuilder b, int pc) {
        if (pc <= Short.MAX_VALUE) {
            b.loadConstant(pc);
        } else {
            b.loadConstant(from).loadConstant(pc - from).iadd();
        }
    }

    // ---- control flow ----

    /** The label of a jump to slot {@code t}: in this method, or a stub handing over to t's region. */
    Label target(int t) {
        if (t >= from && t < to) {
            return labels[t - from];
        }
        if (!isRegion()) {
            throw new IllegalStateException("jump to insn " + t + " leaves subprogram [" + from + ", " + to + ")");
        }
        return leave(t);
    }

    private Label leave(int t) {
        return leaves.computeIfAbsent(t, k -> cb.newLabel());
    }

    /** Region exit: registers into the frame's file, then the next (region, slot) for the dispatcher. */
    private void emitLeave(int t) {
        for (int r = 0; r <= 9; r++) {
            cb.aload(regsSlot).loadConstant(r).lload(reg[r]).lastore();
        }
        long next = ((long) cls.plan.regionOf(sub, t) << 32) | t;
        cb.loadConstant(next).lreturn();
    }

    /** BPF exit: return r0 from the subprogram. */
    void emitExit() {
        if (isRegion()) {
            cb.aload(regsSlot).iconst_0().lload(reg[0]).lastore().loadConstant(-1L).lreturn();
        } else {
            cb.lload(reg[0]).lreturn();
        }
    }

    /**
     * Whether a tail call of the program into itself can restart this method instead of calling
     * it: only the main program's whole method is what {@link CompiledProgram#entry} runs.
     */
    boolean canRestartAsEntry() { return sub == 0 && !isRegion(); }

    /**
     * Restarts the main program in this frame as {@link CompiledProgram#entry} would start it: r1
     * (the tail call's ctx) and r2 stay, r0 and r3-r9 are zero, fp and depth are this frame's.
     */
    void emitRestart() {
        for (int r : new int[] {0, 3, 4, 5, 6, 7, 8, 9}) {
            cb.lconst_0().lstore(reg[r]);
        }
        cb.lconst_0().lstore(tmp);
        cb.goto_(bodyStart);
    }

    /** The frame ends because a helper's tail call was taken: return {@code ctx.retVal}. */
    void emitTailReturn() {
        if (isRegion()) {
            cb.aload(regsSlot).iconst_0().aload(CTX).getfield(Descs.CONTEXT, "retVal", CD_long).lastore()
                    .loadConstant(-1L).lreturn();
        } else {
            cb.aload(CTX).getfield(Descs.CONTEXT, "retVal", CD_long).lreturn();
        }
    }

    /** A block placed after the body (fault paths); returns its label. */
    Label cold(Consumer<CodeBuilder> body) {
        Label l = cb.newLabel();
        cold.add(() -> {
            cb.labelBinding(l);
            body.accept(cb);
        });
        return l;
    }

    /** A block after the body that is reached only through an exception table entry. */
    void coldHandler(Label l, Consumer<CodeBuilder> body) {
        cold.add(() -> {
            cb.labelBinding(l);
            body.accept(cb);
        });
    }
}
