package org.ebpf4j.vm.verifier;

import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.BtfType;
import org.ebpf4j.vm.VerifierException;
import org.ebpf4j.vm.helper.KfuncProto;

/**
 * A kfunc call on one path: the part of kernel/bpf/verifier.c check_kfunc_call() and
 * check_kfunc_args() ebpf4j models. The prototype is the FUNC_PROTO of the kfunc's FUNC in the
 * kernel BTF; the reference rules come from its {@code KF_*} flags:
 * <ul>
 *   <li>every parameter's register must be initialised; a scalar parameter takes a scalar;</li>
 *   <li>{@code KF_RELEASE}: r1 is a non-NULL pointer carrying an acquired reference, which is
 *       released (every copy of it becomes unusable);</li>
 *   <li>r1-r5 are clobbered; r0 is a {@code PTR_TO_BTF_ID} of the returned struct (maybe NULL
 *       with {@code KF_RET_NULL}), a new reference with {@code KF_ACQUIRE} that the program must
 *       release on every path (checked at exit, as for the ringbuf and socket helpers), an
 *       unknown scalar, or nothing for void.</li>
 * </ul>
 * Not modelled: KF_TRUSTED_ARGS/KF_RCU trust levels of pointer arguments (any non-NULL pointer to
 * a struct passes), sleepable kfuncs, kfuncs taking memory/size pairs or dynptrs.
 */
final class KfuncCalls {
    private KfuncCalls() {}

    static void call(VState st, int insn, KfuncProto k, Btf btf) {
        if (btf == null || !(btf.type(k.btfId()) instanceof BtfType.Func f)
                || !(btf.type(f.type()) instanceof BtfType.FuncProto proto)) {
            throw new VerifierException(insn, "kernel function " + k.name() + " has no prototype in the kernel BTF");
        }
        Frame fr = st.cur();
        for (int a = 0; a < proto.params().size(); a++) {
            int regno = a + 1;
            RegState r = fr.regs[regno];
            if (r.type == RegType.NOT_INIT) {
                throw MemAccess.eacces(insn, "R" + regno + " !read_ok");
            }
            boolean ptrParam = btf.resolve(proto.params().get(a).type()) instanceof BtfType.Ptr;
            if (!ptrParam && r.type != RegType.SCALAR) {
                throw new VerifierException(insn, "R" + regno + " is not a scalar");
            }
            if (ptrParam && r.type.maybeNull()) {
                throw new VerifierException(insn, "Possibly NULL pointer passed to trusted arg" + a);
            }
            if (ptrParam && r.type == RegType.SCALAR) {
                throw new VerifierException(insn, "arg#" + a + " expected pointer to btf or socket");
            }
        }
        if (k.releases()) {
            RegState r1 = fr.regs[1];
            if (r1.refObjId == 0) {
                throw new VerifierException(insn, "release kernel function " + k.name() + " expects refcounted PTR_TO_BTF_ID");
            }
            HelperCalls.releaseReference(st, r1.refObjId);
        }
        for (int r = 1; r <= 5; r++) {
            fr.regs[r] = RegState.notInit();
        }
        fr.regs[0] = returnValue(st, insn, k, btf, proto);
    }

    private static RegState returnValue(VState st, int insn, KfuncProto k, Btf btf, BtfType.FuncProto proto) {
        if (proto.ret() == 0) {
            return RegState.notInit();
        }
        if (!(btf.resolve(proto.ret()) instanceof BtfType.Ptr p)) {
            return RegState.unknown();
        }
        boolean maybeNull = (k.flags() & KfuncProto.KF_RET_NULL) != 0;
        RegState r0 = RegState.pointer(maybeNull ? RegType.BTF_ID_OR_NULL : RegType.BTF_ID);
        if (btf.resolve(p.type()) instanceof BtfType.Struct s) {
            r0.btfStruct = s.name();
        }
        r0.id = st.newId();
        if (k.acquires()) {
            int ref = st.newId();
            r0.id = ref;
            r0.refObjId = ref;
            st.refs.add(new VState.Ref(ref, insn));
        }
        return r0;
    }
}
