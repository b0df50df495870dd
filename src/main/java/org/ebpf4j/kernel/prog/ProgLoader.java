package org.ebpf4j.kernel.prog;

import static org.ebpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.kernel.Cap;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.MapObject;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.helpers.HelperNames;
import org.ebpf4j.map.BpfMap;
import org.ebpf4j.map.storage.CgroupStorageMap;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.uapi.ProgType;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.VerifierException;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.HelperTable;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.map.MapMeta;
import org.ebpf4j.vm.VerifierOption;
import org.ebpf4j.vm.verifier.CtxFields;
import org.ebpf4j.vm.verifier.CtxRules;
import org.ebpf4j.vm.verifier.HelperPolicy;
import org.ebpf4j.vm.verifier.MapDesc;
import org.ebpf4j.vm.verifier.ProgContext;
import org.ebpf4j.vm.helper.KfuncProto;
import org.ebpf4j.vm.helper.KfuncTable;
import org.ebpf4j.kernel.kfunc.KfuncSets;
import org.ebpf4j.vm.verifier.StructuralVerifier;
import org.ebpf4j.vm.verifier.TypeVerifier;
import org.ebpf4j.vm.verifier.VerifiedProgram;

/**
 * BPF_PROG_LOAD: {@code bpf_prog_load()} of kernel/bpf/syscall.c, then the parts of
 * {@code bpf_check()} ebpf4j models, in the kernel's order so the same errno wins:
 * <ol>
 *   <li>prog_flags (EINVAL); expected_attach_type default; insn_cnt 0 or over 1M (E2BIG);
 *       privilege (EPERM); attach BTF/prog (EINVAL); {@code bpf_prog_load_check_attach} (EINVAL);</li>
 *   <li>insns and license copied (EFAULT); GPL compatibility; {@code find_prog_type} (EINVAL);
 *       the name (EINVAL);</li>
 *   <li>verifier: log attributes (EINVAL); {@code resolve_pseudo_ldimm64}: map fds/indexes to map
 *       addresses, {@code BPF_PSEUDO_MAP_VALUE} to value addresses, each used map referenced once;
 *       kfunc calls ({@code add_kfunc_call}: GPL, vmlinux BTF FUNC id, implemented, allowed for the
 *       program type: EINVAL/EACCES); the structural checks; {@code do_check()}: the {@link TypeVerifier} walks every path with
 *       typed registers, checking on each call it reaches the helper's id, whether the program
 *       type may use it and GPL; then whether ebpf4j implements every helper a path reached;
 *       {@code sanitize_dead_code()} for calls no path reached; the context rewrite ({@link CtxRewriter}); the engine; the log
 *       (the type verifier's, level 1/2; ENOSPC when it did not fit);</li>
 *   <li>the id, last, then the fd.</li>
 * </ol>
 */
public final class ProgLoader {
    /** prog_flags bits Linux 6.18 accepts. */
    static final int BPF_F_STRICT_ALIGNMENT = 1, BPF_F_ANY_ALIGNMENT = 1 << 1, BPF_F_TEST_RND_HI32 = 1 << 2,
            BPF_F_TEST_STATE_FREQ = 1 << 3, BPF_F_SLEEPABLE = 1 << 4, BPF_F_XDP_HAS_FRAGS = 1 << 5,
            BPF_F_XDP_DEV_BOUND_ONLY = 1 << 6, BPF_F_TEST_REG_INVARIANTS = 1 << 7, BPF_F_TOKEN_FD = 1 << 16;
    static final int PROG_FLAGS = BPF_F_STRICT_ALIGNMENT | BPF_F_ANY_ALIGNMENT | BPF_F_TEST_STATE_FREQ | BPF_F_SLEEPABLE
            | BPF_F_TEST_RND_HI32 | BPF_F_XDP_HAS_FRAGS | BPF_F_XDP_DEV_BOUND_ONLY | BPF_F_TEST_REG_INVARIANTS
            | BPF_F_TOKEN_FD;
    /** {@code MAX_USED_MAPS}. */
    static final int MAX_USED_MAPS = 64;
    /** {@code BPF_MAX_VAR_OFF}. */
    static final long BPF_MAX_VAR_OFF = 1L << 29;

    private final ProgEnv env;
    private final Runtime rt;
    private final StructuralVerifier structural;
    /** The model kernel's BTF (PTR_TO_BTF_ID loads), parsed on the first load and kept for the runtime. */
    private volatile Btf kernelBtf;

    public ProgLoader(ProgEnv env) {
        this.env = env;
        this.rt = env.runtime();
        // helper ids are the type verifier's to check, on the paths it walks (check_helper_call())
        this.structural = new StructuralVerifier(allKnownHelpers(env.helpers().kfuncs()), Set.of(VerifierOption.HELPER_IDS_ON_PATHS,
                VerifierOption.MAIN_EXIT_R0_UNCHECKED));
    }

    private Btf kernelBtf() {
        Btf b = kernelBtf;
        if (b == null) {
            synchronized (this) {
                b = kernelBtf;
                if (b == null) {
                    b = Btf.modelKernel();
                    kernelBtf = b;
                }
            }
        }
        return b;
    }

    /**
     * The structural pass checks ids against every helper Linux knows; what is implemented is
     * checked later. kfuncs are the runtime's, resolved by {@link #addKfuncCalls} first.
     */
    private static HelperTable allKnownHelpers(KfuncTable kfuncs) {
        HelperTable t = new HelperTable(kfuncs);
        for (int id = 1; id < HelperNames.MAX_ID; id++) {
            t.register(new HelperProto(id, HelperNames.name(id), (s, a, b, c, d, e) -> 0));
        }
        return t;
    }

    /** Loads as {@code task} with the runtime's default engine; returns the new program fd. */
    public int load(Task task, ProgLoadAttr attr) { return load(task, attr, env.defaultEngine()); }

    public int load(Task task, ProgLoadAttr attr, ProgEnv.EngineKind engineKind) {
        BpfProg prog = loadObject(task, attr, engineKind);
        int fd;
        try {
            // bpf_prog_new_fd: security_bpf_prog first
            org.ebpf4j.kernel.trampoline.Lsm.check(rt.lsm().bpfProg(task), "BPF_PROG_LOAD (bpf_lsm_bpf_prog)");
            fd = task.fds().install(new File.ProgFile(prog, File.FMODE_RDWR));
        } catch (BpfException e) {
            prog.put();
            throw e;
        }
        return fd;
    }

    /**
     * The load without the fd: a published program whose one reference the caller owns (the fd's,
     * when {@link #load} installs it).
     */
    public BpfProg loadObject(Task task, ProgLoadAttr attr, ProgEnv.EngineKind engineKind) {
        if ((attr.progFlags() & ~PROG_FLAGS) != 0) {
            throw new BpfException(Errno.EINVAL, "prog_flags 0x" + Integer.toHexString(attr.progFlags()) + " has unknown bits");
        }
        if ((attr.progFlags() & BPF_F_TOKEN_FD) != 0) {
            throw new BpfException(Errno.EINVAL, "BPF_F_TOKEN_FD: BPF tokens are not modelled");
        }
        ProgType type = ProgType.of(attr.progType());
        AttachType eat = AttachType.of(attr.expectedAttachType());
        if (type != null) {
            eat = ProgTypes.fixupAttachType(type, eat);
        }
        boolean bpfCap = task.capable(Cap.BPF) || task.capable(Cap.SYS_ADMIN);
        if (rt.unprivilegedBpfDisabled() != 0 && !bpfCap) {
            throw new BpfException(Errno.EPERM, "kernel.unprivileged_bpf_disabled=" + rt.unprivilegedBpfDisabled()
                    + " and " + task + " lacks CAP_BPF");
        }
        int insnCnt = attr.insns() == null ? 0 : attr.insns().size();
        if (insnCnt == 0 || insnCnt > StructuralVerifier.BPF_COMPLEXITY_LIMIT_INSNS) {
            throw new BpfException(Errno.E2BIG, "insn_cnt " + insnCnt + " is not in 1.." + StructuralVerifier.BPF_COMPLEXITY_LIMIT_INSNS);
        }
        if (type != ProgType.SOCKET_FILTER && type != ProgType.CGROUP_SKB && !bpfCap) {
            throw new BpfException(Errno.EPERM, "program type " + type + " needs CAP_BPF");
        }
        if (attr.attachProgFd() != 0) {
            throw new BpfException(Errno.EINVAL, "attach_prog_fd " + attr.attachProgFd()
                    + ": attaching to a BPF program (freplace, fentry on BPF) is not modelled");
        }
        if (attr.attachBtfId() != 0 && !(type == ProgType.TRACING
                && (eat == AttachType.TRACE_RAW_TP || eat == AttachType.TRACE_ITER))
                && !AttachBtf.funcTarget(type, eat)) {
            throw new BpfException(Errno.EINVAL, "attach_btf_id " + attr.attachBtfId() + " for a " + type
                    + " program with expected_attach_type " + eat + ": only tp_btf, iter, fentry/fexit/fmod_ret and lsm "
                    + "attach targets are modelled");
        }
        if (type != null) {
            String why = ProgTypes.checkAttach(type, eat, eat == null ? attr.expectedAttachType() : eat.value());
            if (why != null) {
                throw new BpfException(Errno.EINVAL, why);
            }
        }
        if (attr.license() == null) {
            throw new BpfException(Errno.EFAULT, "license: bad pointer");
        }
        boolean gpl = licenseIsGplCompatible(attr.license());
        ProgTypes.Row row = ProgTypes.row(type);
        if (row == null) {
            throw new BpfException(Errno.EINVAL, "prog_type " + attr.progType() + " is not a Linux 6.18 program type");
        }
        String name = attr.progName();
        if (!validName(name)) {
            throw new BpfException(Errno.EINVAL, "prog_name \"" + name + "\": at most 15 of [A-Za-z0-9_.]");
        }
        long loadTime = System.nanoTime();
        return check(task, attr, type, eat, row, gpl, name, loadTime, engineKind);
    }

    /** bpf_check(): everything after the log is set up. */
    private BpfProg check(Task task, ProgLoadAttr attr, ProgType type, AttachType eat, ProgTypes.Row row, boolean gpl,
                          String name, long loadTime, ProgEnv.EngineKind engineKind) {
        VerifierLog log = new VerifierLog(attr.logLevel(), attr.logBuf(), attr.logSize());
        Map<MapObject, Boolean> used = new LinkedHashMap<>();
        BpfException err = null;
        BpfProg prog = null;
        try {
            List<Insn> insns = new ArrayList<>(attr.insns());
            byte[] tag = ProgTag.of(insns);
            Map<Integer, MapDesc> mapAt = new HashMap<>();
            Map<Integer, Integer> valueOffAt = new HashMap<>();
            resolvePseudoLdImm64(task, attr, insns, used, log, mapAt, valueOffAt);
            // bpf_cgroup_storage_assign: one legacy cgroup storage map per type (EBUSY)
            CgroupStorageMap.assign(used.keySet().stream().map(MapObject::map).toList());
            ProgramImage image = new ProgramImage(name.isEmpty() ? "prog" : name, insns);
            CtxRewriter.Result ctx;
            Executable exe;
            AttachBtf attachBtf = null;
            int maxRdwr = 0;
            int maxRdonly = 0;
            try {
                addKfuncCalls(insns, gpl, type);
                VerifiedProgram vp = structural.verify(image);
                CtxAccess rowAccess = row.ctx().apply(eat);
                CtxRules typedRules = null;
                // check_attach_btf_id: tp_btf, fentry/fexit/fmod_ret and lsm here, iter below.
                if (type == ProgType.TRACING && eat == AttachType.TRACE_RAW_TP) {
                    attachBtf = AttachBtf.resolve(rt.kernelBtf(), eat, attr.attachBtfId());
                    rowAccess = CtxAccess.args(attachBtf.nargs(), true);
                } else if (AttachBtf.funcTarget(type, eat)) {
                    attachBtf = AttachBtf.resolveFunc(rt.kernelBtf(), type, eat, attr.attachBtfId(),
                            (attr.progFlags() & BPF_F_SLEEPABLE) != 0, gpl);
                    rowAccess = attachBtf.ctxAccess();
                    typedRules = attachBtf.ctxRules();
                }
                // check_attach_btf_id for BPF_TRACE_ITER: bpf_iter_prog_supported() (kernel/bpf/bpf_iter.c)
                org.ebpf4j.kernel.iter.IterTargets.Resolved iter = null;
                if (type == ProgType.TRACING && eat == AttachType.TRACE_ITER) {
                    iter = org.ebpf4j.kernel.iter.IterTargets.resolve(rt.kernelBtf(), attr.attachBtfId());
                    attachBtf = AttachBtf.iterTarget(attr.attachBtfId(), iter.funcName(), iter.nargs());
                    rowAccess = CtxAccess.args(iter.nargs(), false);
                }
                CtxAccess access = rowAccess;
                CtxFields.Validity valid = (o, sz, w) -> access.check(o, sz, w) != null;
                CtxRules rules = typedRules != null ? typedRules
                        : iter != null ? iter.rules(valid) : CtxFields.typed(type, valid);
                String targetName = attachBtf == null ? null : attachBtf.funcName();
                HelperPolicy helpers = id -> helperRefusal(type, eat, gpl, id, targetName);
                TypeVerifier.Result verified = TypeVerifier.verify(vp, new ProgContext(type, eat, rules, mapAt, valueOffAt,
                        kernelBtf(), attr.logLevel(), helpers));
                log.append(verified.log());
                maxRdwr = verified.maxRdwrAccess();
                maxRdonly = verified.maxRdonlyAccess();
                requireImplemented(insns, verified.seen());
                ctx = CtxRewriter.rewrite(sanitizeDeadCalls(insns, verified.seen()), access);
                exe = env.engine(engineKind).load(new ProgramImage(image.name(), ctx.insns()));
            } catch (VerifierException e) {
                if (e.log() != null && e.log().contains("processed ")) {   // the type verifier's whole log
                    log.append(e.log());
                } else {
                    log.append(e.insnIndex() + ": " + e.reason() + "\n");
                    log.append(VerifierLog.statsLine(e.insnIndex() + 1));
                }
                Errno errno = e.errno() == Errno.EINVAL ? errnoOf(e.reason()) : e.errno();
                throw new BpfException(errno, e.getMessage());
            }
            prog = new BpfProg(rt, type, eat, name, tag, gpl, new ArrayList<>(used.keySet()), ctx.insns(), exe, loadTime,
                    task.uid(), ctx.maxCtxOffset(), attr.progFlags(), attachBtf, task.origin("BPF_PROG_LOAD"));
            prog.maxRdwrAccess(maxRdwr);
            prog.maxRdonlyAccess(maxRdonly);
        } catch (BpfException e) {
            err = e;
        }
        Errno logErr = log.finalizeLog();
        if (logErr != null) {
            err = new BpfException(logErr, "the verifier log did not fit in log_size " + attr.logSize()
                    + (err == null ? "" : " (verifier: " + err.getMessage() + ")"));
        }
        if (err != null) {
            if (prog != null) {
                prog.put();   // releases the used maps after a grace period
            } else {
                used.keySet().forEach(MapObject::put);
            }
            throw err;
        }
        prog.publishIn(rt);
        return prog;
    }

    /**
     * {@code add_kfunc_call} (kernel/bpf/verifier.c, from add_subprog_and_kfunc, before any other
     * check): every kfunc call must come from a GPL-compatible program, name vmlinux BTF (off 0;
     * module BTFs are not modelled), a FUNC there that ebpf4j implements, and one the program type
     * may call (the kernel's kfunc id sets; EACCES otherwise, as observed on 6.18).
     */
    private void addKfuncCalls(List<Insn> insns, boolean gpl, ProgType type) {
        for (int i = 0; i < insns.size(); i++) {
            Insn in = insns.get(i);
            if (in.opcode() == LD_IMM64) {
                i++;
                continue;
            }
            if (!in.isKfuncCall()) {
                continue;
            }
            if (!gpl) {
                throw new VerifierException(i, "cannot call kernel function from non-GPL compatible program");
            }
            if (in.off() != 0) {
                throw new VerifierException(i, "kfunc offset > 0 without fd_array is invalid");
            }
            int id = in.imm();
            org.ebpf4j.btf.Btf btf = rt.kernelBtf();
            if (id <= 0 || id >= btf.typeCount() || !(btf.type(id) instanceof org.ebpf4j.btf.BtfType.Func f)) {
                throw new VerifierException(i, "kernel btf_id " + id + " is not a function");
            }
            if (env.helpers().kfuncs().lookup(id) == null || !KfuncSets.allowsGeneric(type)) {
                throw new VerifierException(i, Errno.EACCES, "calling kernel function " + f.name() + " is not allowed", "");
            }
        }
    }

    /**
     * check_helper_call() after the id range: the program type's get_func_proto(), then the GPL
     * check; null when the call is allowed.
     */
    private String helperRefusal(ProgType type, AttachType eat, boolean gpl, int id, String target) {
        String helper = HelperNames.name(id) + "#" + id;
        if (!ProgTypes.allowsHelper(type, eat, id, target)) {
            return "program of this type cannot use helper " + helper;
        }
        if (!gpl && ProgTypes.gplOnly(id)) {
            return "cannot call GPL-restricted function from non-GPL compatible program";
        }
        return null;
    }

    /**
     * After a successful walk: the first reached call of a helper ebpf4j does not implement. Asked
     * last, so that whatever Linux itself would refuse is reported as Linux reports it.
     */
    private void requireImplemented(List<Insn> insns, java.util.BitSet seen) {
        for (int i = seen.nextSetBit(0); i >= 0; i = seen.nextSetBit(i + 1)) {
            Insn in = insns.get(i);
            if (in.isHelperCall() && env.helpers().lookup(in.imm()) == null) {
                throw new VerifierException(i, "helper " + HelperNames.name(in.imm()) + "#" + in.imm()
                        + " is not implemented by ebpf4j");
            }
        }
    }

    /**
     * sanitize_dead_code(): a helper call no path reached, which the engine could not bind (libbpf's
     * CO-RE poison call, a helper ebpf4j lacks), becomes {@code goto -1}, the kernel's trap for dead code.
     */
    private List<Insn> sanitizeDeadCalls(List<Insn> insns, java.util.BitSet seen) {
        List<Insn> out = new ArrayList<>(insns);
        for (int i = 0; i < out.size(); i++) {
            Insn in = out.get(i);
            if (in.opcode() == LD_IMM64) {
                i++;
                continue;
            }
            if (!seen.get(i) && in.isHelperCall() && env.helpers().lookup(in.imm()) == null) {
                out.set(i, Insn.of(BPF_JMP | BPF_JA, 0, 0, -1, 0));
            }
        }
        return out;
    }

    /** The kernel's errno for a verifier complaint (most are EINVAL; access checks are EACCES). */
    static Errno errnoOf(String reason) {
        if (reason.startsWith("calling kernel function ") && reason.endsWith(" is not allowed")) {
            return Errno.EACCES;
        }
        if (reason.contains("!read_ok") || reason.contains("invalid bpf_context access")
                || reason.contains("modified ctx ptr") || reason.contains("BPF_ATOMIC stores into")) {
            return Errno.EACCES;
        }
        if (reason.startsWith("program too large") || reason.contains("call stack of")) {
            return Errno.E2BIG;
        }
        return Errno.EINVAL;
    }

    /**
     * {@code resolve_pseudo_ldimm64}: every ld_imm64 naming a map gets the map's kernel address
     * (or a value address); each map is referenced once however often it is named.
     */
    private void resolvePseudoLdImm64(Task task, ProgLoadAttr attr, List<Insn> insns, Map<MapObject, Boolean> used,
                                      VerifierLog log, Map<Integer, MapDesc> mapAt, Map<Integer, Integer> valueOffAt) {
        for (int i = 0; i + 1 < insns.size(); i++) {
            Insn in = insns.get(i);
            if (in.opcode() != LD_IMM64) {
                continue;
            }
            int src = in.src();
            if (src != BPF_PSEUDO_MAP_FD && src != BPF_PSEUDO_MAP_VALUE && src != BPF_PSEUDO_MAP_IDX
                    && src != BPF_PSEUDO_MAP_IDX_VALUE) {
                i++;
                continue;
            }
            int fd = in.imm();
            if (src == BPF_PSEUDO_MAP_IDX || src == BPF_PSEUDO_MAP_IDX_VALUE) {
                if (attr.fdArray() == null) {
                    throw fail(log, i, Errno.EPROTO, "fd_idx without fd_array is invalid");
                }
                if (fd < 0 || fd >= attr.fdArray().length) {
                    throw fail(log, i, Errno.EFAULT, "fd_idx " + fd + " is past the " + attr.fdArray().length + "-entry fd_array");
                }
                fd = attr.fdArray()[fd];
            }
            File f = task.fds().peek(fd);
            if (!(f instanceof File.MapFile mf)) {
                throw fail(log, i, f == null ? Errno.EBADF : Errno.EINVAL, "fd " + fd + " is not pointing to valid bpf_map");
            }
            MapObject mo = mf.map();
            BpfMap map = mo.map();
            long addr;
            if (src == BPF_PSEUDO_MAP_FD || src == BPF_PSEUDO_MAP_IDX) {
                addr = map.address();
            } else {
                long off = Integer.toUnsignedLong(insns.get(i + 1).imm());
                if (off >= BPF_MAX_VAR_OFF) {
                    throw fail(log, i, Errno.EINVAL, "direct value offset of " + off + " is not allowed");
                }
                long base = map.directValueAddress();
                if (base == 0) {
                    throw fail(log, i, Errno.EINVAL, "no direct value access support for this map type");
                }
                if (map.maxEntries() != 1 || off >= map.valueSize()) {
                    throw fail(log, i, map.maxEntries() != 1 ? Errno.ENOTSUPP : Errno.EINVAL,
                            "invalid access to map value pointer, value_size=" + map.valueSize() + " off=" + off);
                }
                addr = base + off;
                valueOffAt.put(i, (int) off);
            }
            mapAt.put(i, mapDesc(map));
            if (!used.containsKey(mo)) {
                if (used.size() >= MAX_USED_MAPS) {
                    throw fail(log, i, Errno.E2BIG, "too many maps");
                }
                if ((attr.progFlags() & BPF_F_SLEEPABLE) != 0 && !sleepableMayUse(map.type())) {
                    throw fail(log, i, Errno.EINVAL, "Sleepable programs can only use array, hash, ringbuf and local storage maps");
                }
                if (!mo.tryInc()) {
                    throw fail(log, i, Errno.EBADF, "fd " + fd + " is not pointing to valid bpf_map");
                }
                used.put(mo, Boolean.TRUE);
            }
            insns.set(i, Insn.of(LD_IMM64, in.dst(), 0, 0, (int) addr));
            insns.set(i + 1, Insn.of(0, 0, 0, 0, (int) (addr >>> 32)));
            i++;
        }
    }

    /**
     * The sleepable allow-list of {@code check_map_prog_compatibility} (kernel/bpf/verifier.c,
     * spec-local-storage-map-in-map §2.3): a sleepable program runs under RCU tasks trace, which
     * only these map types wait for; the legacy cgroup storage, for one, is not on it (§6.3).
     */
    static boolean sleepableMayUse(MapType t) {
        return switch (t) {
            case HASH, LRU_HASH, ARRAY, PERCPU_HASH, PERCPU_ARRAY, LRU_PERCPU_HASH, ARRAY_OF_MAPS, HASH_OF_MAPS,
                    RINGBUF, USER_RINGBUF, INODE_STORAGE, SK_STORAGE, TASK_STORAGE, CGRP_STORAGE, QUEUE, STACK, ARENA,
                    PROG_ARRAY -> true;
            default -> false;
        };
    }

    private static BpfException fail(VerifierLog log, int insn, Errno errno, String reason) {
        log.append(reason + "\n");
        return new BpfException(errno, "insn " + insn + ": " + reason);
    }

    /** What the type verifier needs of a map an ld_imm64 names. */
    private static MapDesc mapDesc(BpfMap map) {
        MapMeta inner = map.innerMapMeta();
        MapDesc in = inner == null ? null
                : new MapDesc(inner.type().value(), "inner", inner.keySize(), inner.valueSize(), inner.maxEntries());
        return new MapDesc(map.type().value(), map.attr().name(), map.keySize(), map.valueSize(), map.maxEntries(), in);
    }

    /** include/linux/license.h {@code license_is_gpl_compatible}. */
    static boolean licenseIsGplCompatible(String license) {
        return Set.of("GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL")
                .contains(license);
    }

    /** {@code bpf_obj_name_cpy}. */
    static boolean validName(String name) {
        if (name.length() > 15) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) {
                return false;
            }
        }
        return true;
    }
}
