package org.ebpf4j.vm.jit;

import static java.lang.constant.ConstantDescs.*;

import java.lang.classfile.ClassBuilder;
import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.reflect.AccessFlag;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.helper.Helper;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.LoopHelper;
import org.ebpf4j.vm.helper.PacketLoadHelper;
import org.ebpf4j.vm.helper.TailCallHelper;
import org.ebpf4j.vm.helper.TailCallSlots;
import org.ebpf4j.vm.verifier.VerifiedProgram;

/**
 * Writes the hidden class of one program (the arch/x86/net/bpf_jit_comp.c do_jit() of ebpf4j):
 * <ul>
 *   <li>static finals {@code EXE}, {@code ARENA}, {@code SEG} and one per distinct helper, filled in
 *       {@code <clinit>} from the class data, so C2 sees them as constants (the segment's bounds,
 *       the helper's exact class: monomorphic calls);</li>
 *   <li>per subprogram a private static method {@code s<k>(ctx, r1..r5, fp, depth)}: the code
 *       itself, or for a subprogram over the budget a dispatcher over region methods
 *       {@code r<k>_<n>(ctx, regs, fp, depth, entry)}, grouped 256 at a time in {@code g<k>_<n>}
 *       so that no dispatcher outgrows the method limits either;</li>
 *   <li>{@link CompiledProgram#entry} and {@link CompiledProgram#callSub}, the ways in (package-private
 *       overrides: the hidden class is a nestmate-free member of this package).</li>
 * </ul>
 */
final class ClassGen {
    static final String EXE = "EXE";
    static final String ARENA = "ARENA";
    static final String SEG = "SEG";
    private static final int GROUP = 256;

    final ClassDesc self;
    final List<Insn> insns;
    final Plan plan;
    final long arenaSize;
    private final HelperProto[] helperAt;
    private final Map<Helper, String> helperFields = new IdentityHashMap<>();
    private final List<Helper> helperOrder = new ArrayList<>();
    /** Per slot: the field of the PROG_ARRAY a tail-call site is bound to, or null ({@link TailSites}). */
    private final String[] tailSlotsField;
    /** Per slot: the map address that binding is for. */
    private final long[] tailMapAddr;
    /** Per slot: the subprogram a bpf_loop site calls back, inlined ({@link FlowEmitter}), or -1. */
    private final int[] loopCallback;
    private final List<TailCallSlots> tailSlotsOrder = new ArrayList<>();
    /** Per slot: the constant length of a bpf_skb_load_bytes compiled inline ({@link FlowEmitter}), or 0. */
    private final int[] packetLoadLen;

    ClassGen(String className, VerifiedProgram v, Arena arena, int budget) {
        this.self = ClassDesc.of(className);
        this.insns = v.image().insns();
        this.plan = new Plan(insns, v.subprogStarts(), budget);
        this.arenaSize = arena.size();
        this.helperAt = v.helperAt();
        for (int i = 0; i < insns.size(); i++) {
            HelperProto p = helperAt[i];
            if (p != null && !helperFields.containsKey(p.impl())) {
                helperFields.put(p.impl(), "H" + helperOrder.size());
                helperOrder.add(p.impl());
            }
        }
        this.tailSlotsField = new String[insns.size()];
        this.tailMapAddr = new long[insns.size()];
        this.loopCallback = new int[insns.size()];
        this.packetLoadLen = new int[insns.size()];
        bindTailCallMaps(v);
        findLoopCallbacks(v);
        findPacketLoads(v);
    }

    /**
     * {@link PacketLoadHelper} sites whose length (r4) is a constant 1, 2, 4 or 8 set in the same
     * basic block: one load and one store cover them.
     */
    private void findPacketLoads(VerifiedProgram v) {
        java.util.BitSet sites = new java.util.BitSet(insns.size());
        for (int i = 0; i < insns.size(); i++) {
            if (helperAt[i] != null && helperAt[i].impl() instanceof PacketLoadHelper) {
                sites.set(i);
            }
        }
        if (sites.isEmpty()) {
            return;
        }
        long[] r4 = TailSites.constantMovImm(insns, v.subprogStarts(), sites, 4);
        for (int i = sites.nextSetBit(0); i >= 0; i = sites.nextSetBit(i + 1)) {
            if (r4[i] == 1 || r4[i] == 2 || r4[i] == 4 || r4[i] == 8) {
                packetLoadLen[i] = (int) r4[i];
            }
        }
    }

    /** The constant length of the bpf_skb_load_bytes at {@code insn} if it is compiled inline, else 0. */
    int packetLoadLen(int insn) { return packetLoadLen[insn]; }

    /**
     * bpf_loop sites whose callback is a constant subprogram, as kernel/bpf/verifier.c
     * inline_bpf_loop requires ({@code fit_for_bpf_loop_inline}: a known callback; the flags are
     * checked at run time here).
     */
    private void findLoopCallbacks(VerifiedProgram v) {
        java.util.Arrays.fill(loopCallback, -1);
        java.util.BitSet sites = new java.util.BitSet(insns.size());
        for (int i = 0; i < insns.size(); i++) {
            if (helperAt[i] != null && helperAt[i].impl() instanceof LoopHelper) {
                sites.set(i);
            }
        }
        if (sites.isEmpty()) {
            return;
        }
        long[] r2 = TailSites.constantR2(insns, v.subprogStarts(), sites);
        for (int i = sites.nextSetBit(0); i >= 0; i = sites.nextSetBit(i + 1)) {
            long rel = r2[i] - JitSupport.FUNC_BASE;
            if (r2[i] == 0 || rel < 0 || (rel & 7) != 0 || (rel >>> 3) >= insns.size()) {
                continue;
            }
            int k = java.util.Arrays.binarySearch(v.subprogStarts(), (int) (rel >>> 3));
            if (k > 0) {
                loopCallback[i] = k;
            }
        }
    }

    /** The subprogram the bpf_loop at {@code insn} calls back, if it is inlined; else -1. */
    int loopCallback(int insn) { return loopCallback[insn]; }

    /** Binds each tail-call site whose map is a constant to that map's slots (a class-data field). */
    private void bindTailCallMaps(VerifiedProgram v) {
        java.util.BitSet sites = new java.util.BitSet(insns.size());
        for (int i = 0; i < insns.size(); i++) {
            if (isTailCall(i)) {
                sites.set(i);
            }
        }
        if (sites.isEmpty()) {
            return;
        }
        long[] r2 = TailSites.constantR2(insns, v.subprogStarts(), sites);
        Map<Long, String> byAddr = new java.util.HashMap<>();
        for (int i = sites.nextSetBit(0); i >= 0; i = sites.nextSetBit(i + 1)) {
            long addr = r2[i];
            if (addr == 0) {
                continue;
            }
            String f = byAddr.get(addr);
            if (f == null) {
                TailCallSlots s = ((TailCallHelper) helperAt[i].impl()).slots(addr);
                if (s == null) {
                    continue;
                }
                f = "T" + tailSlotsOrder.size();
                tailSlotsOrder.add(s);
                byAddr.put(addr, f);
            }
            tailSlotsField[i] = f;
            tailMapAddr[i] = addr;
        }
    }

    /** The field of the PROG_ARRAY bound at tail-call site {@code insn}, or null. */
    String tailSlotsField(int insn) { return tailSlotsField[insn]; }

    long tailMapAddr(int insn) { return tailMapAddr[insn]; }

    /** The class data, in field order: EXE, ARENA, SEG, the helpers, then the bound PROG_ARRAYs. */
    List<Object> classData(JitExecutable exe, Arena arena) {
        List<Object> data = new ArrayList<>(List.of(exe, arena, arena.segment()));
        data.addAll(helperOrder);
        data.addAll(tailSlotsOrder);
        return List.copyOf(data);
    }

    /** Whether the helper called at {@code insn} is bpf_tail_call in its inlinable form. */
    boolean isTailCall(int insn) {
        HelperProto p = helperAt[insn];
        return p != null && p.impl() instanceof TailCallHelper;
    }

    String helperField(int insn) {
        HelperProto p = helperAt[insn];
        if (p == null) {
            throw new IllegalStateException("insn " + insn + ": call of a helper the verifier did not resolve");
        }
        return helperFields.get(p.impl());
    }

    static String subprogName(int sub) { return "s" + sub; }

    byte[] generate() {
        return ClassFile.of().build(self, this::buildClass);
    }

    private void buildClass(ClassBuilder clb) {
        clb.withFlags(AccessFlag.FINAL, AccessFlag.SUPER);
        clb.withSuperclass(Descs.COMPILED);
        int sf = ClassFile.ACC_PRIVATE | ClassFile.ACC_STATIC | ClassFile.ACC_FINAL;
        clb.withField(EXE, Descs.EXECUTABLE, sf);
        clb.withField(ARENA, Descs.ARENA, sf);
        clb.withField(SEG, Descs.SEGMENT, sf);
        for (Helper h : helperOrder) {
            clb.withField(helperFields.get(h), Descs.HELPER, sf);
        }
        for (int k = 0; k < tailSlotsOrder.size(); k++) {
            clb.withField("T" + k, Descs.TAIL_CALL_SLOTS, sf);
        }
        clb.withMethodBody(CLASS_INIT_NAME, MTD_void, ClassFile.ACC_STATIC, this::clinit);
        clb.withMethodBody(INIT_NAME, MTD_void, ClassFile.ACC_PUBLIC,
                cb -> cb.aload(0).invokespecial(Descs.COMPILED, INIT_NAME, MTD_void).return_());
        clb.withMethodBody("entry", Descs.ENTRY, ClassFile.ACC_FINAL, cb -> {
            cb.aload(1).lload(2).lload(4).lconst_0().lconst_0().lconst_0().lload(6).iload(8)
                    .invokestatic(self, subprogName(0), Descs.SUBPROG).lreturn();
        });
        clb.withMethodBody("callSub", Descs.CALL_SUB, ClassFile.ACC_FINAL, this::callSub);
        int ps = ClassFile.ACC_PRIVATE | ClassFile.ACC_STATIC;
        for (int s = 0; s < plan.starts.length; s++) {
            int sub = s;
            if (!plan.split(s)) {
                clb.withMethodBody(subprogName(s), Descs.SUBPROG, ps,
                        cb -> new MethodGen(cb, this, sub, -1, plan.starts[sub], plan.ends[sub]).emit());
                continue;
            }
            int regions = plan.regionStarts[s].length;
            clb.withMethodBody(subprogName(s), Descs.SUBPROG, ps, cb -> dispatcher(cb, sub));
            for (int g = 0; g * GROUP < regions; g++) {
                int group = g;
                clb.withMethodBody(groupName(s, g), Descs.GROUP, ps, cb -> group(cb, sub, group));
            }
            for (int r = 0; r < regions; r++) {
                int region = r;
                clb.withMethodBody(regionName(s, r), Descs.REGION, ps,
                        cb -> new MethodGen(cb, this, sub, region, plan.regionStarts[sub][region],
                                plan.regionEnd(sub, region)).emit());
            }
        }
    }

    private static String groupName(int sub, int g) { return "g" + sub + "_" + g; }

    private static String regionName(int sub, int r) { return "r" + sub + "_" + r; }

    private void clinit(CodeBuilder cb) {
        List<String> names = new ArrayList<>(List.of(EXE, ARENA, SEG));
        List<ClassDesc> types = new ArrayList<>(List.of(Descs.EXECUTABLE, Descs.ARENA, Descs.SEGMENT));
        for (Helper h : helperOrder) {
            names.add(helperFields.get(h));
            types.add(Descs.HELPER);
        }
        for (int k = 0; k < tailSlotsOrder.size(); k++) {
            names.add("T" + k);
            types.add(Descs.TAIL_CALL_SLOTS);
        }
        for (int k = 0; k < names.size(); k++) {
            cb.invokestatic(Descs.METHOD_HANDLES, "lookup", MethodTypeDesc.of(Descs.LOOKUP))
                    .loadConstant(DEFAULT_NAME).loadConstant(types.get(k)).loadConstant(k)
                    .invokestatic(Descs.METHOD_HANDLES, "classDataAt", Descs.CLASS_DATA_AT)
                    .checkcast(types.get(k)).putstatic(self, names.get(k), types.get(k));
        }
        cb.return_();
    }

    /** callSub(ctx, sub, r1..r5, fp, depth): slots this 0, ctx 1, sub 2, r1-r5 3-11, fp 13, depth 15. */
    private void callSub(CodeBuilder cb) {
        List<SwitchCase> cases = new ArrayList<>();
        List<Label> labels = new ArrayList<>();
        for (int s = 0; s < plan.starts.length; s++) {
            Label l = cb.newLabel();
            labels.add(l);
            cases.add(SwitchCase.of(s, l));
        }
        cb.iload(2).tableswitch(0, plan.starts.length - 1, labels.get(0), cases);
        for (int s = 0; s < plan.starts.length; s++) {
            cb.labelBinding(labels.get(s));
            cb.aload(1).lload(3).lload(5).lload(7).lload(9).lload(11).lload(13).iload(15)
                    .invokestatic(self, subprogName(s), Descs.SUBPROG).lreturn();
        }
    }

    /**
     * A split subprogram (slots as a whole method: ctx 0, r1-r5 1-9, fp 11, depth 13): r1-r5 into
     * the frame's register file, then run regions until one returns -1 (exit: r0 in the file).
     */
    private void dispatcher(CodeBuilder cb, int sub) {
        int regs = 14;
        int next = 15;
        cb.aload(0).getfield(Descs.CONTEXT, "regs", Descs.LONG_ARRAY.arrayType()).iload(13).aaload().astore(regs);
        for (int r = 0; r <= 9; r++) {
            cb.aload(regs).loadConstant(r);
            if (r >= 1 && r <= 5) {
                cb.lload(1 + 2 * (r - 1));
            } else {
                cb.lconst_0();
            }
            cb.lastore();
        }
        cb.loadConstant((long) plan.starts[sub]).lstore(next);   // region 0, slot = start
        Label loop = cb.newLabel();
        Label dispatch = cb.newLabel();
        cb.labelBinding(loop);
        cb.lload(next).lconst_0().lcmp().ifge(dispatch);
        cb.aload(regs).iconst_0().laload().lreturn();
        cb.labelBinding(dispatch);
        int groups = (plan.regionStarts[sub].length + GROUP - 1) / GROUP;
        List<SwitchCase> cases = new ArrayList<>();
        List<Label> labels = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            Label l = cb.newLabel();
            labels.add(l);
            cases.add(SwitchCase.of(g, l));
        }
        cb.lload(next).loadConstant(32).lushr().l2i().loadConstant(8).ishr()
                .tableswitch(0, groups - 1, labels.get(0), cases);
        for (int g = 0; g < groups; g++) {
            cb.labelBinding(labels.get(g));
            cb.aload(0).aload(regs).lload(11).iload(13).lload(next)
                    .invokestatic(self, groupName(sub, g), Descs.GROUP).lstore(next).goto_(loop);
        }
    }

    /** Regions [256g, 256g+256) of a subprogram: slots ctx 0, regs 1, fp 2, depth 4, next 5, r 7. */
    private void group(CodeBuilder cb, int sub, int g) {
        int base = g * GROUP;
        int count = Math.min(GROUP, plan.regionStarts[sub].length - base);
        Label loop = cb.newLabel();
        Label out = cb.newLabel();
        cb.labelBinding(loop);
        cb.lload(5).loadConstant(32).lushr().l2i().loadConstant(base).isub().istore(7);
        cb.iload(7).iflt(out);
        cb.iload(7).loadConstant(count).if_icmpge(out);
        List<SwitchCase> cases = new ArrayList<>();
        List<Label> labels = new ArrayList<>();
        for (int r = 0; r < count; r++) {
            Label l = cb.newLabel();
            labels.add(l);
            cases.add(SwitchCase.of(r, l));
        }
        cb.iload(7).tableswitch(0, count - 1, out, cases);
        for (int r = 0; r < count; r++) {
            cb.labelBinding(labels.get(r));
            cb.aload(0).aload(1).lload(2).iload(4).lload(5).l2i()
                    .invokestatic(self, regionName(sub, base + r), Descs.REGION).lstore(5).goto_(loop);
        }
        cb.labelBinding(out);
        cb.lload(5).lreturn();
    }
}
