package org.ebpf4j.kernel.prog;

import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.BtfType;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.ProgType;
import org.ebpf4j.vm.VerifierException;
import org.ebpf4j.vm.verifier.CtxRules;

/**
 * {@code bpf_check_attach_target} (kernel/bpf/verifier.c) for what ebpf4j models, and the
 * context {@code btf_ctx_access} (kernel/bpf/btf.c) derives from the target:
 * <ul>
 *   <li>a TRACING program with BPF_TRACE_RAW_TP ({@code SEC("tp_btf/NAME")}) names the kernel BTF
 *       typedef {@code btf_trace_NAME}, a pointer to the probe's prototype whose first parameter
 *       is the probe data; the context is the other parameters;</li>
 *   <li>a TRACING program with BPF_TRACE_FENTRY / FEXIT / MODIFY_RETURN, or an LSM program with
 *       BPF_LSM_MAC, names a FUNC; the context is its parameters ({@code btf_distill_func_proto}),
 *       one u64 each, then for fexit / fmod_ret / lsm the return value.</li>
 * </ul>
 * Failures carry the verifier's words (EINVAL unless noted).
 *
 * @param btfId    {@code prog->aux->attach_btf_id}
 * @param funcName {@code prog->aux->attach_func_name}: the tracepoint name (prefix stripped) or the function
 * @param nargs    how many u64 arguments the function / tracepoint passes
 * @param args     per argument: the struct a pointer argument points to (PTR_TO_BTF_ID), "" for a
 *                 pointer of unknown type, null for a scalar
 * @param func     whether the target is a FUNC (a trampoline's) rather than a raw tracepoint
 * @param retSlot  whether the context has the return value after the arguments (fexit, fmod_ret, lsm)
 * @param retVoid  whether the function returns void
 * @param lsm      whether the program is an LSM program (its return slot is in [-MAX_ERRNO, 0])
 */
public record AttachBtf(int btfId, String funcName, int nargs, List<String> args, boolean func, boolean retSlot,
                        boolean retVoid, boolean lsm) {
    /** {@code BTF_TRACE_PREFIX}. */
    static final String BTF_TRACE_PREFIX = "btf_trace_";
    /** kernel/bpf/bpf_lsm.c: every hook's BPF function is {@code bpf_lsm_<hook>}. */
    public static final String BPF_LSM_PREFIX = "bpf_lsm_";
    /** {@code SECURITY_PREFIX} of check_attach_modify_return. */
    static final String SECURITY_PREFIX = "security_";
    /** {@code MAX_BPF_FUNC_ARGS}. */
    static final int MAX_BPF_FUNC_ARGS = 12;
    /** {@code MAX_ERRNO}: an LSM program returns 0 or -errno ({@code bpf_lsm_get_retval_range}). */
    public static final int MAX_ERRNO = 4095;

    /**
     * Functions of the model on the kernel's error-injection list ({@code ALLOW_ERROR_INJECTION}):
     * the targets fmod_ret (and sleepable fentry/fexit) may have besides {@code security_*}.
     */
    static final java.util.Set<String> ERROR_INJECTION = java.util.Set.of("bpf_modify_return_test", "bpf_modify_return_test2");

    /**
     * {@code sleepable_lsm_hooks} of kernel/bpf/bpf_lsm.c (Linux 6.18, with CONFIG_SECURITY_NETWORK
     * and CONFIG_KEYS): the hooks called where sleeping is allowed, the only ones a sleepable
     * (BPF_F_SLEEPABLE, "lsm.s/") program may target.
     */
    static final java.util.Set<String> SLEEPABLE_LSM_HOOKS = java.util.Set.of(
            "bpf", "bpf_map", "bpf_map_alloc_security", "bpf_map_free_security", "bpf_prog", "bprm_check_security",
            "bprm_committed_creds", "bprm_committing_creds", "bprm_creds_for_exec", "bprm_creds_from_file", "capget",
            "capset", "cred_prepare", "file_ioctl", "file_lock", "file_open", "file_receive", "inet_conn_established",
            "inode_create", "inode_free_security", "inode_getattr", "inode_getxattr", "inode_mknod",
            "inode_need_killpriv", "inode_post_setxattr", "inode_readlink", "inode_rename", "inode_rmdir",
            "inode_setattr", "inode_setxattr", "inode_symlink", "inode_unlink", "kernel_module_request",
            "kernel_read_file", "kernfs_init_security", "key_free", "mmap_file", "netlink_send", "path_notify",
            "release_secctx", "sb_alloc_security", "sb_eat_lsm_opts", "sb_kern_mount", "sb_mount", "sb_remount",
            "sb_set_mnt_opts", "sb_show_options", "sb_statfs", "sb_umount", "settime", "socket_accept", "socket_bind",
            "socket_connect", "socket_create", "socket_getpeername", "socket_getpeersec_dgram", "socket_getsockname",
            "socket_getsockopt", "socket_listen", "socket_post_create", "socket_recvmsg", "socket_sendmsg",
            "socket_shutdown", "socket_socketpair", "syslog", "task_alloc", "current_getsecid_subj",
            "task_getsecid_obj", "task_prctl", "task_setscheduler", "task_to_inode");

    /** {@code bpf_lsm_is_sleepable_hook}: {@code tname} is {@code bpf_lsm_<hook>} of a sleepable hook. */
    static boolean sleepableLsmHook(String tname) {
        return tname.startsWith(BPF_LSM_PREFIX) && SLEEPABLE_LSM_HOOKS.contains(tname.substring(BPF_LSM_PREFIX.length()));
    }

    public AttachBtf {
        args = args == null ? List.of() : java.util.Collections.unmodifiableList(new ArrayList<>(args));
    }

    /**
     * An iterator target, the FUNC {@code bpf_iter_<target>}: its context is typed by the target's
     * own rules (kernel.iter), not from these arguments, and no trampoline runs it.
     */
    public static AttachBtf iterTarget(int btfId, String name, int nargs) {
        return new AttachBtf(btfId, name, nargs, List.of(), false, false, false, false);
    }

    /** A tp_btf target: every argument is a kernel pointer of unknown type (as before). */
    static AttachBtf tracepoint(int btfId, String name, int nargs) {
        List<String> a = new ArrayList<>();
        for (int i = 0; i < nargs; i++) {
            a.add("");
        }
        return new AttachBtf(btfId, name, nargs, a, false, false, true, false);
    }

    /** Whether {@code type}/{@code eat} attach through a trampoline to a FUNC named by attach_btf_id. */
    public static boolean funcTarget(ProgType type, AttachType eat) {
        return type == ProgType.TRACING && (eat == AttachType.TRACE_FENTRY || eat == AttachType.TRACE_FEXIT
                || eat == AttachType.MODIFY_RETURN)
                || type == ProgType.LSM && eat == AttachType.LSM_MAC;
    }

    /** Resolves {@code btfId} in the kernel's BTF for a tp_btf program (BPF_TRACE_RAW_TP). */
    static AttachBtf resolve(Btf kernel, AttachType eat, int btfId) {
        BtfType t = named(kernel, btfId);
        if (!(t instanceof BtfType.Typedef td)) {
            throw new VerifierException(0, "attach_btf_id " + btfId + " is not a typedef");
        }
        if (!td.name().startsWith(BTF_TRACE_PREFIX)) {
            throw new VerifierException(0, "attach_btf_id " + btfId + " points to wrong type name " + td.name());
        }
        if (!(kernel.type(td.type()) instanceof BtfType.Ptr p) || !(kernel.type(p.type()) instanceof BtfType.FuncProto fp)) {
            throw new VerifierException(0, "attach_btf_id " + btfId + " (" + td.name() + ") is not a pointer to a function prototype");
        }
        return tracepoint(btfId, td.name().substring(BTF_TRACE_PREFIX.length()), Math.max(0, fp.params().size() - 1));
    }

    /**
     * The first checks of check_attach_btf_id for every BTF-targeted program (tp_btf, fentry
     * family, lsm, iter), in the verifier's words: a btf_id is given, exists and has a name.
     */
    public static BtfType named(Btf kernel, int btfId) {
        if (btfId == 0) {
            throw new VerifierException(0, "Tracing programs must provide btf_id");
        }
        if (btfId < 0 || btfId >= kernel.typeCount()) {
            throw new VerifierException(0, "attach_btf_id " + Integer.toUnsignedString(btfId) + " is invalid");
        }
        BtfType t = kernel.type(btfId);
        if (t.name() == null || t.name().isEmpty()) {
            throw new VerifierException(0, "attach_btf_id " + btfId + " doesn't have a name");
        }
        return t;
    }

    /**
     * {@code bpf_check_attach_target} for fentry / fexit / fmod_ret / lsm: a FUNC with a
     * prototype of at most 12 arguments; fmod_ret only on an error-injectable or
     * {@code security_*} function ({@code check_attach_modify_return}); a sleepable fentry/fexit/
     * fmod_ret only on an error-injectable function; a sleepable LSM program only on a hook of
     * {@link #SLEEPABLE_LSM_HOOKS}; then for LSM ({@code bpf_lsm_verify_prog}) a GPL-compatible
     * license and a {@code bpf_lsm_} hook.
     */
    public static AttachBtf resolveFunc(Btf kernel, ProgType type, AttachType eat, int btfId, boolean sleepable, boolean gpl) {
        BtfType t = named(kernel, btfId);
        if (!(t instanceof BtfType.Func f)) {
            throw new VerifierException(0, "attach_btf_id " + btfId + " is not a function");
        }
        if (!(kernel.type(f.type()) instanceof BtfType.FuncProto fp)) {
            throw new VerifierException(0, "attach_btf_id " + btfId + " (" + f.name() + ") has no function prototype");
        }
        String tname = f.name();
        if (fp.params().size() > MAX_BPF_FUNC_ARGS) {
            throw new VerifierException(0, "The function " + tname + " has " + fp.params().size() + " arguments. Too many.");
        }
        List<String> args = new ArrayList<>();
        for (BtfType.Param p : fp.params()) {
            args.add(argKind(kernel, p.type()));
        }
        boolean retVoid = fp.ret() == 0;
        if (type == ProgType.TRACING) {
            boolean injectable = ERROR_INJECTION.contains(tname);
            if (sleepable && !injectable) {
                throw new VerifierException(0, tname + " is not sleepable");
            }
            if (eat == AttachType.MODIFY_RETURN && !injectable && !tname.startsWith(SECURITY_PREFIX)) {
                throw new VerifierException(0, tname + "() is not modifiable");
            }
        } else {
            // bpf_check_attach_target: only some hooks may sleep ("%s is not sleepable", EINVAL),
            // checked before bpf_lsm_verify_prog's license and prefix checks
            if (sleepable && !sleepableLsmHook(tname)) {
                throw new VerifierException(0, tname + " is not sleepable");
            }
            if (!gpl) {
                throw new VerifierException(0, "LSM programs must have a GPL compatible license");
            }
            if (!tname.startsWith(BPF_LSM_PREFIX)) {
                throw new VerifierException(0, "attach_btf_id " + btfId + " points to wrong type name " + tname);
            }
        }
        return new AttachBtf(btfId, tname, args.size(), args, true, eat != AttachType.TRACE_FENTRY, retVoid, type == ProgType.LSM);
    }

    /** null for a scalar argument, the struct's name for a pointer to a struct, "" for another pointer. */
    private static String argKind(Btf kernel, int typeId) {
        BtfType r = kernel.resolve(typeId);
        if (!(r instanceof BtfType.Ptr p)) {
            return null;
        }
        BtfType to = p.type() == 0 ? null : kernel.resolve(p.type());
        if (to instanceof BtfType.Struct s) {
            return s.name();
        }
        // btf_ctx_access: pointers to void, int or char are plain scalars to the program
        return to == null || to instanceof BtfType.Int || to instanceof BtfType.AnyEnum ? null : "";
    }

    /** Context bytes: the arguments, plus the return value where the program sees it. */
    int ctxBytes() { return 8 * (nargs + (retSlot ? 1 : 0)); }

    /**
     * {@code btf_ctx_access} for a function target: read-only, 8-byte aligned slots inside the
     * arguments (and the return value where there is one); a pointer-to-struct argument loads as
     * PTR_TO_BTF_ID of that struct, everything else as a scalar.
     */
    public CtxRules ctxRules() {
        return new CtxRules() {
            @Override public Field check(int off, int size, boolean write) {
                if (write || off < 0 || off % 8 != 0 || off + size > ctxBytes() || size > 8) {
                    return null;
                }
                int arg = off / 8;
                if (arg == nargs) {
                    return Field.SCALAR;   // the return value: fmod_ret only on int returns, checked at attach
                }
                return args.get(arg) == null ? Field.SCALAR : Field.BTF_ID;
            }

            @Override public long[] scalarRange(int off) {
                // bpf_lsm_get_retval_range: an int hook's value is 0 or -errno (void hooks have none)
                return lsm && !retVoid && off == 8 * nargs ? new long[] {-MAX_ERRNO, 0} : null;
            }

            @Override public boolean voidReturn() { return lsm && retVoid; }

            @Override public String btfStruct(int off) {
                int arg = off / 8;
                if (arg < 0 || arg >= nargs) {
                    return null;
                }
                String s = args.get(arg);
                return s == null || s.isEmpty() ? null : s;
            }
        };
    }

    /** The same bounds for the context rewrite (no field moves: the arena holds the u64 slots). */
    CtxAccess ctxAccess() {
        int max = ctxBytes();
        return new CtxAccess() {
            @Override public int ctxSize() { return max; }

            @Override public Access check(int off, int size, boolean write) {
                return write || off < 0 || off % 8 != 0 || off + size > max || size > 8 ? null : new Access(off, size);
            }
        };
    }
}
