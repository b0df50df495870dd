package org.ebpf4j.btf;

import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.uapi.Errno;

/**
 * CO-RE: recomputes what one {@code bpf_core_relo} of a program's local BTF means on a target
 * BTF, following libbpf's {@code tools/lib/bpf/relo_core.c} ({@code bpf_core_calc_relo_insn},
 * {@code bpf_core_parse_spec}, {@code bpf_core_spec_match}, {@code bpf_core_calc_*_relo}) and the
 * candidate search of {@code libbpf.c} ({@code bpf_core_add_cands}): candidates are target types
 * of a compatible kind whose name equals the local one once {@code ___flavor} suffixes are
 * stripped; every candidate that matches must agree, else the load fails.
 * Not thread-safe: one relocator per loading thread.
 */
public final class CoreRelocator {
    private final Btf local;
    private final Btf target;
    /** Per-relocation comparison state (its work budget); replaced at each relocate(). */
    private CoreTypes types = new CoreTypes();

    public CoreRelocator(Btf local, Btf target) {
        this.local = local;
        this.target = target;
    }

    /** A malformed or ambiguous relocation: the load fails with errno. */
    private static final class CoreError extends RuntimeException {
        final Errno errno;

        CoreError(Errno errno, String message) {
            super(message, null, false, false);
            this.errno = errno;
        }
    }

    /** Relocates one CO-RE record; never throws for bad input, a {@link CoreResult.Failed} says why. */
    public CoreResult relocate(BtfExt.CoreRelo r) {
        try {
            types = new CoreTypes();
            return calc(r);
        } catch (CoreTypes.BudgetExceeded e) {
            return new CoreResult.Failed(Errno.E2BIG, describe(r) + ": " + e.getMessage());
        } catch (CoreError e) {
            return new CoreResult.Failed(e.errno, describe(r) + ": " + e.getMessage());
        } catch (BtfFormatException | IllegalArgumentException e) {
            return new CoreResult.Failed(Errno.EINVAL, describe(r) + ": " + e.getMessage());
        }
    }

    private static String describe(BtfExt.CoreRelo r) {
        return "CO-RE relo " + r.kind() + " [" + r.typeId() + "] \"" + r.accessStr() + "\" at insn off " + r.insnOff();
    }

    private CoreResult calc(BtfExt.CoreRelo r) {
        CoreSpec localSpec = parseSpec(local, r);
        if (r.kind() == CoreReloKind.TYPE_ID_LOCAL) {
            return new CoreResult.Value(r.typeId(), r.typeId(), false, 0, 0, false);
        }
        BtfType localType = local.type(r.typeId());
        if (localType.name().isEmpty()) {
            throw new CoreError(Errno.EOPNOTSUPP, "relocation of an anonymous type is not supported");
        }
        CoreResult best = null;
        CoreSpec bestSpec = null;
        for (int cand : candidates(localType)) {
            CoreSpec candSpec = new CoreSpec(target, cand, r.kind());
            if (!specMatch(localSpec, candSpec, cand)) continue;
            CoreResult res = calcRelo(localSpec, candSpec);
            if (best == null) {
                best = res;
                bestSpec = candSpec;
            } else if (candSpec.bitOffset != bestSpec.bitOffset) {
                throw new CoreError(Errno.EINVAL, "field offset ambiguity: " + candSpec.bitOffset + " != "
                        + bestSpec.bitOffset + " (target types [" + bestSpec.rootTypeId + "] and [" + cand + "])");
            } else if (!sameDecision(res, best)) {
                throw new CoreError(Errno.EINVAL, "relocation decision ambiguity: " + res + " != " + best
                        + " (target types [" + bestSpec.rootTypeId + "] and [" + cand + "])");
            }
        }
        return best != null ? best : calcRelo(localSpec, null);
    }

    private static boolean sameDecision(CoreResult a, CoreResult b) {
        if (a instanceof CoreResult.Value va && b instanceof CoreResult.Value vb) return va.newValue() == vb.newValue();
        return a instanceof CoreResult.Poison && b instanceof CoreResult.Poison;
    }

    /** Target type ids whose essential name and kind match the local type (bpf_core_add_cands). */
    private List<Integer> candidates(BtfType localType) {
        String name = localType.name();
        int len = essentialNameLen(name);
        List<Integer> out = new ArrayList<>();
        for (BtfType t : target.types()) {
            if (t.id() == 0 || !kindCoreCompat(localType, t) || t.name().isEmpty()) continue;
            String tn = t.name();
            if (essentialNameLen(tn) == len && tn.regionMatches(0, name, 0, len)) out.add(t.id());
        }
        return out;
    }

    /** Length of a name without its {@code ___flavor} suffix ({@code bpf_core_essential_name_len}). */
    static int essentialNameLen(String name) {
        for (int i = name.length() - 5; i >= 0; i--) {
            if (name.charAt(i) != '_' && name.charAt(i + 1) == '_' && name.charAt(i + 2) == '_'
                    && name.charAt(i + 3) == '_' && name.charAt(i + 4) != '_') {
                return i + 1;
            }
        }
        return name.length();
    }

    static boolean essentialNamesEqual(String a, String b) {
        int la = essentialNameLen(a);
        return la == essentialNameLen(b) && a.regionMatches(0, b, 0, la);
    }

    private static boolean kindCoreCompat(BtfType a, BtfType b) {
        return a.kind() == b.kind() || a instanceof BtfType.AnyEnum && b instanceof BtfType.AnyEnum;
    }

    // ---- spec parsing (bpf_core_parse_spec) ----

    private static CoreSpec parseSpec(Btf btf, BtfExt.CoreRelo r) {
        String s = r.accessStr();
        if (s.isEmpty() || s.charAt(0) == ':') throw new CoreError(Errno.EINVAL, "invalid access string");
        if (r.typeId() <= 0 && r.kind() != CoreReloKind.TYPE_ID_LOCAL || r.typeId() >= btf.typeCount()) {
            throw new CoreError(Errno.EINVAL, "local type id " + r.typeId() + " out of range");
        }
        CoreSpec spec = new CoreSpec(btf, r.typeId(), r.kind());
        if (r.kind().isTypeBased()) {
            if (!s.equals("0")) throw new CoreError(Errno.EINVAL, "type-based relocation needs access string \"0\"");
            return spec;
        }
        for (String part : s.split(":", -1)) {
            if (part.isEmpty() || part.length() > 9 || !part.chars().allMatch(Character::isDigit)) {
                throw new CoreError(Errno.EINVAL, "invalid access string");
            }
            if (spec.raw.size() == CoreSpec.MAX_LEN) throw new CoreError(Errno.E2BIG, "access string longer than " + CoreSpec.MAX_LEN);
            spec.raw.add(Integer.parseInt(part));
        }
        int id = btf.resolveId(r.typeId());
        BtfType t = btf.type(id);
        int idx = spec.raw.getFirst();
        if (r.kind().isEnumvalBased()) {
            if (!(t instanceof BtfType.AnyEnum e) || spec.raw.size() > 1 || idx >= e.values().size()) {
                throw new CoreError(Errno.EINVAL, "enum value access must be one index into an enum");
            }
            spec.spec.add(new CoreSpec.Accessor(id, idx, e.values().get(idx).name()));
            return spec;
        }
        spec.spec.add(new CoreSpec.Accessor(id, idx, null));
        spec.bitOffset = idx * sizeOf(btf, id) * 8;
        for (int i = 1; i < spec.raw.size(); i++) {
            t = btf.resolve(id);
            id = t.id();
            idx = spec.raw.get(i);
            if (t instanceof BtfType.Composite c) {
                if (idx >= c.members().size()) throw new CoreError(Errno.EINVAL, "member index " + idx + " out of range of [" + id + "]");
                BtfType.Member m = c.members().get(idx);
                spec.bitOffset += m.bitOffset();
                if (!m.name().isEmpty()) spec.spec.add(new CoreSpec.Accessor(id, idx, m.name()));
                id = m.type();
            } else if (t instanceof BtfType.Array a) {
                int elem = btf.resolveId(a.type());
                boolean flex = isFlexArr(btf, spec.last(), a);
                if (!flex && idx >= a.nelems()) throw new CoreError(Errno.EINVAL, "array index " + idx + " out of range of [" + id + "]");
                spec.spec.add(new CoreSpec.Accessor(elem, idx, null));
                spec.bitOffset += idx * sizeOf(btf, elem) * 8;
                id = elem;
            } else {
                throw new CoreError(Errno.EINVAL, "access at idx " + i + " captures type [" + id + "] of unexpected kind "
                        + BtfKind.name(t.kind()));
            }
        }
        return spec;
    }

    private static long sizeOf(Btf btf, int id) {
        try {
            return btf.sizeOf(id);
        } catch (BtfFormatException e) {
            throw new CoreError(Errno.EINVAL, e.getMessage());
        }
    }

    /** An array of unknown size that is the last member of the struct that holds it. */
    private static boolean isFlexArr(Btf btf, CoreSpec.Accessor acc, BtfType.Array a) {
        if (acc.name() == null || a.nelems() > 0) return false;
        return btf.type(acc.typeId()) instanceof BtfType.Composite c && acc.idx() == c.members().size() - 1;
    }

    // ---- matching a local spec to one candidate (bpf_core_spec_match) ----

    private boolean specMatch(CoreSpec localSpec, CoreSpec targ, int targId) {
        CoreReloKind kind = localSpec.kind;
        if (kind.isTypeBased()) {
            return kind == CoreReloKind.TYPE_MATCHES
                    ? types.typesMatch(local, localSpec.rootTypeId, target, targId, false, 32) > 0
                    : types.typesAreCompat(local, localSpec.rootTypeId, target, targId, 32) > 0;
        }
        CoreSpec.Accessor first = localSpec.spec.getFirst();
        if (kind.isEnumvalBased()) {
            int id = target.resolveId(targId);
            if (!(target.type(id) instanceof BtfType.AnyEnum e)) return false;
            for (int i = 0; i < e.values().size(); i++) {
                String tn = e.values().get(i).name();
                if (essentialNamesEqual(first.name(), tn)) {
                    targ.spec.add(new CoreSpec.Accessor(id, i, tn));
                    targ.raw.add(i);
                    return true;
                }
            }
            return false;
        }
        int[] next = {targId};
        for (int i = 0; i < localSpec.spec.size(); i++) {
            CoreSpec.Accessor acc = localSpec.spec.get(i);
            next[0] = target.resolveId(next[0]);
            if (acc.name() != null) {
                int found = matchMember(acc, next[0], targ, next);
                if (found <= 0) return false;
            } else {
                if (i > 0) {
                    if (!(target.type(next[0]) instanceof BtfType.Array a)) return false;
                    boolean flex = isFlexArr(target, targ.last(), a);
                    if (!flex && acc.idx() >= a.nelems()) return false;
                    next[0] = target.resolveId(a.type());
                }
                if (targ.raw.size() == CoreSpec.MAX_LEN) throw new CoreError(Errno.E2BIG, "struct/union/array nesting too deep");
                targ.spec.add(new CoreSpec.Accessor(next[0], acc.idx(), null));
                targ.raw.add(acc.idx());
                targ.bitOffset += acc.idx() * sizeOf(target, next[0]) * 8;
            }
        }
        return true;
    }

    /**
     * Finds the local named member in target composite {@code targId}, descending into anonymous
     * members ({@code bpf_core_match_member}); 1 found and compatible, 0 not found.
     */
    private int matchMember(CoreSpec.Accessor localAcc, int targId, CoreSpec spec, int[] next) {
        targId = target.resolveId(targId);
        if (!(target.type(targId) instanceof BtfType.Composite tc)) return 0;
        BtfType.Member localMember = ((BtfType.Composite) local.type(localAcc.typeId())).members().get(localAcc.idx());
        for (int i = 0; i < tc.members().size(); i++) {
            BtfType.Member m = tc.members().get(i);
            types.tick();
            if (spec.raw.size() == CoreSpec.MAX_LEN) throw new CoreError(Errno.E2BIG, "struct/union/array nesting too deep");
            spec.bitOffset += m.bitOffset();
            spec.raw.add(i);
            if (m.name().isEmpty()) {
                int found = matchMember(localAcc, m.type(), spec, next);
                if (found != 0) return found;
            } else if (m.name().equals(localMember.name())) {
                spec.spec.add(new CoreSpec.Accessor(targId, i, m.name()));
                next[0] = m.type();
                int found = types.fieldsAreCompat(local, localMember.type(), target, m.type());
                if (found == 0) spec.spec.removeLast();
                return found;
            }
            spec.bitOffset -= m.bitOffset();
            spec.raw.removeLast();
        }
        return 0;
    }

    // ---- computing values (bpf_core_calc_relo and its helpers) ----

    /** One side's field value: the value, and for byte offsets the field's size and type. */
    private record FieldVal(long val, long size, int typeId, boolean validate) {}

    private CoreResult calcRelo(CoreSpec localSpec, CoreSpec targ) {
        CoreReloKind kind = localSpec.kind;
        if (kind.isFieldBased()) {
            FieldVal orig = calcField(localSpec, kind);
            if (targ == null) {
                if (kind == CoreReloKind.FIELD_EXISTS) return new CoreResult.Value(0, orig.val, orig.validate, 0, 0, false);
                return new CoreResult.Poison("field " + localSpec.raw + " of [" + localSpec.rootTypeId + "] not found in target");
            }
            FieldVal now = calcField(targ, kind);
            boolean failMemsz = false;
            if (orig.size != now.size) {
                BtfType ot = local.type(orig.typeId);
                BtfType nt = target.type(now.typeId);
                boolean ptrs = ot instanceof BtfType.Ptr && nt instanceof BtfType.Ptr;
                boolean unsignedInts = ot instanceof BtfType.Int oi && nt instanceof BtfType.Int ni
                        && oi.encoding() != BtfKind.INT_SIGNED && ni.encoding() != BtfKind.INT_SIGNED;
                failMemsz = !ptrs && !unsignedInts;
            }
            return new CoreResult.Value(now.val, orig.val, orig.validate, orig.size, now.size, failMemsz);
        }
        if (kind.isTypeBased()) {
            long orig = calcType(localSpec, kind);
            boolean validate = kind != CoreReloKind.TYPE_ID_TARGET;
            return new CoreResult.Value(targ == null ? 0 : calcType(targ, kind), orig, validate, 0, 0, false);
        }
        long orig = calcEnumval(localSpec, kind);
        if (targ == null) {
            if (kind == CoreReloKind.ENUMVAL_EXISTS) return new CoreResult.Value(0, orig, true, 0, 0, false);
            return new CoreResult.Poison("enumerator " + localSpec.spec.getFirst().name() + " not found in target");
        }
        return new CoreResult.Value(calcEnumval(targ, kind), orig, true, 0, 0, false);
    }

    /** {@code bpf_core_calc_field_relo} for one existing spec. */
    private static FieldVal calcField(CoreSpec spec, CoreReloKind kind) {
        if (kind == CoreReloKind.FIELD_EXISTS) return new FieldVal(1, 0, 0, true);
        Btf btf = spec.btf;
        CoreSpec.Accessor acc = spec.last();
        if (acc.name() == null) {
            long sz = sizeOf(btf, acc.typeId());
            return switch (kind) {
                case FIELD_BYTE_OFFSET -> new FieldVal(spec.bitOffset / 8, sz, acc.typeId(), true);
                case FIELD_BYTE_SIZE -> new FieldVal(sz, 0, 0, true);
                default -> throw new CoreError(Errno.EINVAL, kind + " can't be applied to array access");
            };
        }
        BtfType.Member m = ((BtfType.Composite) btf.type(acc.typeId())).members().get(acc.idx());
        int fieldTypeId = btf.resolveId(m.type());
        BtfType mt = btf.type(fieldTypeId);
        long bitOff = spec.bitOffset;
        long bitSz = m.bitfieldSize();
        boolean bitfield = bitSz > 0;
        long byteSz;
        long byteOff;
        if (bitfield) {
            byteSz = sizeOf(btf, fieldTypeId);
            if (byteSz <= 0) throw new CoreError(Errno.EINVAL, "bitfield of zero-sized type");
            byteOff = bitOff / 8 / byteSz * byteSz;
            while (bitOff + bitSz - byteOff * 8 > byteSz * 8) {
                if (byteSz >= 8) throw new CoreError(Errno.E2BIG, "bitfield can't be read with 64-bit read");
                byteSz *= 2;
                byteOff = bitOff / 8 / byteSz * byteSz;
            }
        } else {
            byteSz = sizeOf(btf, fieldTypeId);
            byteOff = spec.bitOffset / 8;
            bitSz = byteSz * 8;
        }
        boolean validate = !bitfield;
        return switch (kind) {
            case FIELD_BYTE_OFFSET -> bitfield ? new FieldVal(byteOff, 0, 0, false)
                    : new FieldVal(byteOff, byteSz, fieldTypeId, validate);
            case FIELD_BYTE_SIZE -> new FieldVal(byteSz, 0, 0, validate);
            case FIELD_SIGNED -> {
                boolean signed = mt instanceof BtfType.AnyEnum e && e.signed() || mt instanceof BtfType.Int i && i.signed();
                yield new FieldVal(signed ? 1 : 0, 0, 0, true);
            }
            case FIELD_LSHIFT_U64 -> new FieldVal(64 - (bitOff + bitSz - byteOff * 8), 0, 0, validate);
            case FIELD_RSHIFT_U64 -> new FieldVal(64 - bitSz, 0, 0, true);
            default -> throw new CoreError(Errno.EOPNOTSUPP, "unsupported field relocation " + kind);
        };
    }

    private static long calcType(CoreSpec spec, CoreReloKind kind) {
        return switch (kind) {
            case TYPE_ID_TARGET -> spec.rootTypeId;
            case TYPE_EXISTS, TYPE_MATCHES -> 1;
            case TYPE_SIZE -> sizeOf(spec.btf, spec.rootTypeId);
            default -> throw new CoreError(Errno.EOPNOTSUPP, "unsupported type relocation " + kind);
        };
    }

    private static long calcEnumval(CoreSpec spec, CoreReloKind kind) {
        if (kind == CoreReloKind.ENUMVAL_EXISTS) return 1;
        CoreSpec.Accessor acc = spec.spec.getFirst();
        BtfType.AnyEnum e = (BtfType.AnyEnum) spec.btf.type(acc.typeId());
        long v = e.values().get(acc.idx()).value();
        // btf_enum.val is an s32: libbpf widens it with sign extension whatever the enum's signedness.
        return e instanceof BtfType.Enum ? (long) (int) v : v;
    }
}
