package org.ebpf4j.btf;

import java.util.List;

/**
 * The three type-compatibility relations of libbpf's {@code relo_core.c}: for a field access
 * ({@code bpf_core_fields_are_compat}), for TYPE_EXISTS/SIZE/ID_TARGET
 * ({@code __bpf_core_types_are_compat}) and for TYPE_MATCHES ({@code __bpf_core_types_match}).
 * Each returns 1 (compatible), 0 (not) or -1 (malformed/too deep, libbpf's -EINVAL).
 */
final class CoreTypes {
    /** Work budget of one relocation: corrupt BTF can make the recursive match exponential. */
    private static final int MAX_STEPS = 1_000_000;
    private int steps;

    /** Thrown when the budget is spent; the relocator turns it into a failed relocation. */
    static final class BudgetExceeded extends RuntimeException {
        BudgetExceeded() {
            super("type comparison exceeded " + MAX_STEPS + " steps", null, false, false);
        }
    }

    void tick() {
        if (++steps > MAX_STEPS) throw new BudgetExceeded();
    }

    private static final int MAX_DEPTH = 32;

    private static boolean kindCompat(BtfType a, BtfType b) {
        return a.kind() == b.kind() || a instanceof BtfType.AnyEnum && b instanceof BtfType.AnyEnum;
    }

    private static int intOffset(BtfType t) {
        return t instanceof BtfType.Int i ? i.bitOffset() : 0;
    }

    int fieldsAreCompat(Btf lb, int localId, Btf tb, int targId) {
        for (int depth = 0; depth < MAX_DEPTH; depth++) {
            tick();
            BtfType lt = lb.resolve(localId);
            BtfType tt = tb.resolve(targId);
            if (lt instanceof BtfType.Composite && tt instanceof BtfType.Composite) return 1;
            if (!kindCompat(lt, tt)) return 0;
            switch (lt) {
                case BtfType.Ptr p -> { return 1; }
                case BtfType.Float f -> { return 1; }
                case BtfType.Fwd f -> { return anonOrSameName(lt.name(), tt.name()) ? 1 : 0; }
                case BtfType.AnyEnum e -> { return anonOrSameName(lt.name(), tt.name()) ? 1 : 0; }
                case BtfType.Int i -> { return intOffset(lt) == 0 && intOffset(tt) == 0 ? 1 : 0; }
                case BtfType.Array a -> {
                    localId = a.type();
                    targId = ((BtfType.Array) tt).type();
                }
                default -> { return 0; }
            }
        }
        return -1;
    }

    private static boolean anonOrSameName(String a, String b) {
        int la = CoreRelocator.essentialNameLen(a);
        int lb = CoreRelocator.essentialNameLen(b);
        return la == 0 || lb == 0 || CoreRelocator.essentialNamesEqual(a, b);
    }

    int typesAreCompat(Btf lb, int localId, Btf tb, int targId, int level) {
        if (!kindCompat(lb.type(localId), tb.type(targId))) return 0;
        for (int depth = 0; depth < MAX_DEPTH; depth++) {
            tick();
            BtfType lt = lb.resolve(localId);
            BtfType tt = tb.resolve(targId);
            if (!kindCompat(lt, tt)) return 0;
            switch (lt) {
                case BtfType.Void v -> { return 1; }
                case BtfType.Composite c -> { return 1; }
                case BtfType.AnyEnum e -> { return 1; }
                case BtfType.Fwd f -> { return 1; }
                case BtfType.Int i -> { return intOffset(lt) == 0 && intOffset(tt) == 0 ? 1 : 0; }
                case BtfType.Ptr p -> {
                    localId = p.type();
                    targId = ((BtfType.Ptr) tt).type();
                }
                case BtfType.Array a -> {
                    localId = a.type();
                    targId = ((BtfType.Array) tt).type();
                }
                case BtfType.FuncProto lp -> {
                    BtfType.FuncProto tp = (BtfType.FuncProto) tt;
                    if (lp.params().size() != tp.params().size()) return 0;
                    for (int i = 0; i < lp.params().size(); i++) {
                        if (level <= 0) return -1;
                        int err = typesAreCompat(lb, lb.resolveId(lp.params().get(i).type()), tb,
                                tb.resolveId(tp.params().get(i).type()), level - 1);
                        if (err <= 0) return err;
                    }
                    localId = lb.resolveId(lp.ret());
                    targId = tb.resolveId(tp.ret());
                }
                default -> { return 0; }
            }
        }
        return -1;
    }

    /** {@code bpf_core_names_match}: an anonymous target matches only an anonymous local. */
    private static boolean namesMatch(String local, String targ) {
        if (targ.isEmpty()) return local.isEmpty();
        return CoreRelocator.essentialNamesEqual(local, targ);
    }

    int typesMatch(Btf lb, int localId, Btf tb, int targId, boolean behindPtr, int level) {
        if (level <= 0) return -1;
        for (int depth = 0; depth < MAX_DEPTH; depth++) {
            tick();
            BtfType lt = lb.resolve(localId);
            BtfType tt = tb.resolve(targId);
            if (!namesMatch(lt.name(), tt.name())) return 0;
            int lk = lt.kind();
            int tk = tt.kind();
            switch (lt) {
                case BtfType.Void v -> { return lk == tk ? 1 : 0; }
                case BtfType.Fwd f -> {
                    boolean targUnion = tt instanceof BtfType.Fwd tf ? tf.union() : false;
                    if (behindPtr) {
                        if (lk == tk) return f.union() == targUnion ? 1 : 0;
                        return tk == BtfKind.STRUCT && !f.union() || tk == BtfKind.UNION && f.union() ? 1 : 0;
                    }
                    return lk == tk && f.union() == targUnion ? 1 : 0;
                }
                case BtfType.AnyEnum le -> {
                    if (!(tt instanceof BtfType.AnyEnum te)) return 0;
                    return enumsMatch(le, te) ? 1 : 0;
                }
                case BtfType.Composite lc -> {
                    if (behindPtr) {
                        if (lk == tk) return 1;
                        if (!(tt instanceof BtfType.Fwd tf)) return 0;
                        return (lk == BtfKind.UNION) == tf.union() ? 1 : 0;
                    }
                    if (lk != tk) return 0;
                    return compositesMatch(lb, lc, tb, (BtfType.Composite) tt, behindPtr, level);
                }
                case BtfType.Int li -> {
                    if (!(tt instanceof BtfType.Int ti)) return 0;
                    return li.size() == ti.size() && li.signed() == ti.signed() ? 1 : 0;
                }
                case BtfType.Ptr lp -> {
                    if (lk != tk) return 0;
                    behindPtr = true;
                    localId = lp.type();
                    targId = ((BtfType.Ptr) tt).type();
                }
                case BtfType.Array la -> {
                    if (!(tt instanceof BtfType.Array ta) || la.nelems() != ta.nelems()) return 0;
                    localId = la.type();
                    targId = ta.type();
                }
                case BtfType.FuncProto lp -> {
                    if (!(tt instanceof BtfType.FuncProto tp) || lp.params().size() != tp.params().size()) return 0;
                    for (int i = 0; i < lp.params().size(); i++) {
                        int err = typesMatch(lb, lp.params().get(i).type(), tb, tp.params().get(i).type(), behindPtr, level - 1);
                        if (err <= 0) return err;
                    }
                    localId = lp.ret();
                    targId = tp.ret();
                }
                default -> { return 0; }
            }
        }
        return -1;
    }

    private static boolean enumsMatch(BtfType.AnyEnum l, BtfType.AnyEnum t) {
        if (l.size() != t.size() || l.values().size() > t.values().size()) return false;
        for (BtfType.EnumValue lv : l.values()) {
            boolean matched = false;
            for (BtfType.EnumValue tv : t.values()) {
                if (namesMatch(lv.name(), tv.name())) {
                    matched = true;
                    break;
                }
            }
            if (!matched) return false;
        }
        return true;
    }

    private int compositesMatch(Btf lb, BtfType.Composite l, Btf tb, BtfType.Composite t,
                                       boolean behindPtr, int level) {
        List<BtfType.Member> tms = t.members();
        if (l.members().size() > tms.size()) return 0;
        for (BtfType.Member lm : l.members()) {
            boolean matched = false;
            for (BtfType.Member tm : tms) {
                if (!namesMatch(lm.name(), tm.name())) continue;
                int err = typesMatch(lb, lm.type(), tb, tm.type(), behindPtr, level - 1);
                if (err < 0) return err;
                if (err > 0) {
                    matched = true;
                    break;
                }
            }
            if (!matched) return 0;
        }
        return 1;
    }
}
