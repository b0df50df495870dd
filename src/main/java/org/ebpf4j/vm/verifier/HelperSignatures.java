package org.ebpf4j.vm.verifier;

import java.util.HashMap;
import java.util.Map;

/**
 * The {@code struct bpf_func_proto} argument and return types of every helper a helper table of
 * ebpf4j registers (and the ones the test corpus calls), as kernel/bpf/helpers.c,
 * net/core/filter.c, kernel/trace/bpf_trace.c and the map files declare them. Immutable; one
 * shared table is fine because nothing here changes after class initialisation.
 *
 * <p>A helper missing from the table has no argument checked (not even that r1-r5 were written:
 * a helper may take fewer) and returns an integer: the verifier would rather accept than refuse
 * what it does not know.
 */
final class HelperSignatures {
    private HelperSignatures() {}

    /** __BPF_FUNC_MAX_ID of Linux 6.18: helper ids are 1 .. 211. */
    static final int FUNC_MAX_ID = 212;

    /** enum bpf_arg_type, with the MEM_UNINIT/MEM_RDONLY/PTR_MAYBE_NULL/OBJ_RELEASE flags folded in. */
    enum Arg {
        DONTCARE, ANYTHING, CONST_MAP_PTR, PTR_TO_MAP_KEY, PTR_TO_MAP_VALUE, PTR_TO_MAP_VALUE_OR_NULL,
        PTR_TO_UNINIT_MAP_VALUE, PTR_TO_MEM, PTR_TO_MEM_OR_NULL, PTR_TO_UNINIT_MEM, CONST_SIZE, CONST_SIZE_OR_ZERO,
        PTR_TO_CTX, PTR_TO_FUNC, PTR_TO_STACK_OR_NULL, PTR_TO_SOCKET, PTR_TO_BTF_ID_SOCK_COMMON,
        RELEASE_SOCK_COMMON, PTR_TO_SOCK_COMMON, PTR_TO_SPIN_LOCK, RELEASE_RINGBUF_MEM, PTR_TO_LONG,
        CONST_ALLOC_SIZE_OR_ZERO, PTR_TO_BTF_ID_OR_NULL, PTR_TO_BTF_ID, PTR_TO_CONST_STR, PTR_TO_ANY
    }

    /** enum bpf_return_type. */
    enum Ret {
        INTEGER, VOID, MAP_VALUE_OR_NULL, SOCKET_OR_NULL_ACQUIRE, SOCK_COMMON_OR_NULL_ACQUIRE, TCP_SOCK_OR_NULL,
        SOCKET_OR_NULL, RINGBUF_MEM_OR_NULL_ACQUIRE, BTF_ID_TASK, BTF_ID_PT_REGS, MEM_OR_BTF_ID, BTF_ID_OR_NULL
    }

    record Sig(String name, Ret ret, Arg... args) {
        Arg arg(int i) { return i < args.length ? args[i] : Arg.DONTCARE; }
    }

    private static final Map<Integer, Sig> SIGS = new HashMap<>();

    private static void def(int id, String name, Ret ret, Arg... args) { SIGS.put(id, new Sig(name, ret, args)); }

    static {
        Ret I = Ret.INTEGER;
        Arg A = Arg.ANYTHING, M = Arg.CONST_MAP_PTR, K = Arg.PTR_TO_MAP_KEY, V = Arg.PTR_TO_MAP_VALUE,
            MEM = Arg.PTR_TO_MEM, UMEM = Arg.PTR_TO_UNINIT_MEM, SZ = Arg.CONST_SIZE, SZ0 = Arg.CONST_SIZE_OR_ZERO,
            CTX = Arg.PTR_TO_CTX;
        def(1, "bpf_map_lookup_elem", Ret.MAP_VALUE_OR_NULL, M, K);
        def(2, "bpf_map_update_elem", I, M, K, V, A);
        def(3, "bpf_map_delete_elem", I, M, K);
        def(4, "bpf_probe_read", I, UMEM, SZ0, A);
        def(5, "bpf_ktime_get_ns", I);
        def(6, "bpf_trace_printk", I, Arg.PTR_TO_MEM, SZ);   // r3-r5: ARG_DONTCARE (kernel/trace/bpf_trace.c)
        def(7, "bpf_get_prandom_u32", I);
        def(8, "bpf_get_smp_processor_id", I);
        def(9, "bpf_skb_store_bytes", I, CTX, A, MEM, SZ, A);
        def(12, "bpf_tail_call", Ret.VOID, CTX, M, A);
        def(14, "bpf_get_current_pid_tgid", I);
        def(15, "bpf_get_current_uid_gid", I);
        def(16, "bpf_get_current_comm", I, UMEM, SZ);
        def(23, "bpf_redirect", I, A, A);
        def(25, "bpf_perf_event_output", I, CTX, M, A, MEM, SZ0);
        def(26, "bpf_skb_load_bytes", I, CTX, A, UMEM, SZ);
        def(27, "bpf_get_stackid", I, CTX, M, A);
        def(35, "bpf_get_current_task", I);
        def(42, "bpf_get_numa_node_id", I);
        def(44, "bpf_xdp_adjust_head", I, CTX, A);
        def(45, "bpf_probe_read_str", I, UMEM, SZ0, A);
        def(46, "bpf_get_socket_cookie", I, CTX);
        def(47, "bpf_get_socket_uid", I, CTX);
        def(49, "bpf_setsockopt", I, CTX, A, A, MEM, SZ);
        def(51, "bpf_redirect_map", I, M, A, A);
        def(57, "bpf_getsockopt", I, CTX, A, A, UMEM, SZ);
        def(59, "bpf_sock_ops_cb_flags_set", I, CTX, A);
        def(64, "bpf_bind", I, CTX, MEM, SZ);
        def(79, "bpf_skb_cgroup_id", I, CTX);
        def(80, "bpf_get_current_cgroup_id", I);
        def(81, "bpf_get_local_storage", Ret.MEM_OR_BTF_ID, M, A);
        def(84, "bpf_sk_lookup_tcp", Ret.SOCKET_OR_NULL_ACQUIRE, CTX, MEM, SZ, A, A);
        def(85, "bpf_sk_lookup_udp", Ret.SOCKET_OR_NULL_ACQUIRE, CTX, MEM, SZ, A, A);
        def(86, "bpf_sk_release", I, Arg.RELEASE_SOCK_COMMON);
        def(87, "bpf_map_push_elem", I, M, V, A);
        def(88, "bpf_map_pop_elem", I, M, Arg.PTR_TO_UNINIT_MAP_VALUE);
        def(89, "bpf_map_peek_elem", I, M, Arg.PTR_TO_UNINIT_MAP_VALUE);
        def(93, "bpf_spin_lock", Ret.VOID, Arg.PTR_TO_SPIN_LOCK);
        def(94, "bpf_spin_unlock", Ret.VOID, Arg.PTR_TO_SPIN_LOCK);
        def(95, "bpf_sk_fullsock", Ret.SOCKET_OR_NULL, Arg.PTR_TO_SOCK_COMMON);
        def(96, "bpf_tcp_sock", Ret.TCP_SOCK_OR_NULL, Arg.PTR_TO_SOCK_COMMON);
        def(99, "bpf_skc_lookup_tcp", Ret.SOCK_COMMON_OR_NULL_ACQUIRE, CTX, MEM, SZ, A, A);
        // kernel/bpf/cgroup.c: get_name's buffer is ARG_PTR_TO_MEM | MEM_WRITE (the helper fills it),
        // get_current/new_value's ARG_PTR_TO_UNINIT_MEM, set_new_value's read only
        def(101, "bpf_sysctl_get_name", I, CTX, UMEM, SZ, A);
        def(102, "bpf_sysctl_get_current_value", I, CTX, UMEM, SZ);
        def(103, "bpf_sysctl_get_new_value", I, CTX, UMEM, SZ);
        def(104, "bpf_sysctl_set_new_value", I, CTX, MEM, SZ);
        def(105, "bpf_strtol", I, MEM, SZ, A, Arg.PTR_TO_LONG);
        def(106, "bpf_strtoul", I, MEM, SZ, A, Arg.PTR_TO_LONG);
        def(107, "bpf_sk_storage_get", Ret.MAP_VALUE_OR_NULL, M, Arg.PTR_TO_BTF_ID_SOCK_COMMON, Arg.PTR_TO_MAP_VALUE_OR_NULL, A);
        def(108, "bpf_sk_storage_delete", I, M, Arg.PTR_TO_BTF_ID_SOCK_COMMON);
        def(112, "bpf_probe_read_user", I, UMEM, SZ0, A);
        def(113, "bpf_probe_read_kernel", I, UMEM, SZ0, A);
        def(114, "bpf_probe_read_user_str", I, UMEM, SZ0, A);
        def(115, "bpf_probe_read_kernel_str", I, UMEM, SZ0, A);
        def(118, "bpf_jiffies64", I);
        def(122, "bpf_get_netns_cookie", I, Arg.PTR_TO_ANY);
        def(123, "bpf_get_current_ancestor_cgroup_id", I, A);
        def(125, "bpf_ktime_get_boot_ns", I);
        // kernel/trace/bpf_trace.c: the seq_file (btf_seq_file_ids) an iterator's meta->seq holds
        def(126, "bpf_seq_printf", I, Arg.PTR_TO_BTF_ID, MEM, SZ, Arg.PTR_TO_MEM_OR_NULL, SZ0);
        def(127, "bpf_seq_write", I, Arg.PTR_TO_BTF_ID, MEM, SZ0);
        def(128, "bpf_sk_cgroup_id", I, Arg.PTR_TO_BTF_ID_SOCK_COMMON);
        def(130, "bpf_ringbuf_output", I, M, MEM, SZ0, A);
        def(131, "bpf_ringbuf_reserve", Ret.RINGBUF_MEM_OR_NULL_ACQUIRE, M, Arg.CONST_ALLOC_SIZE_OR_ZERO, A);
        def(132, "bpf_ringbuf_submit", Ret.VOID, Arg.RELEASE_RINGBUF_MEM, A);
        def(133, "bpf_ringbuf_discard", Ret.VOID, Arg.RELEASE_RINGBUF_MEM, A);
        def(134, "bpf_ringbuf_query", I, M, A);
        // kernel/bpf/bpf_inode_storage.c: both take a nullable struct inode * (the LSM hook's
        // argument may be NULL, e.g. new_dentry->d_inode in inode_rename)
        def(145, "bpf_inode_storage_get", Ret.MAP_VALUE_OR_NULL, M, Arg.PTR_TO_BTF_ID_OR_NULL, Arg.PTR_TO_MAP_VALUE_OR_NULL, A);
        def(146, "bpf_inode_storage_delete", I, M, Arg.PTR_TO_BTF_ID_OR_NULL);
        def(156, "bpf_task_storage_get", Ret.MAP_VALUE_OR_NULL, M, Arg.PTR_TO_BTF_ID_OR_NULL, Arg.PTR_TO_MAP_VALUE_OR_NULL, A);
        def(157, "bpf_task_storage_delete", I, M, Arg.PTR_TO_BTF_ID);
        def(158, "bpf_get_current_task_btf", Ret.BTF_ID_TASK);
        def(160, "bpf_ktime_get_coarse_ns", I);
        def(164, "bpf_for_each_map_elem", I, M, Arg.PTR_TO_FUNC, Arg.PTR_TO_STACK_OR_NULL, A);
        def(165, "bpf_snprintf", I, Arg.PTR_TO_MEM_OR_NULL, SZ0, Arg.PTR_TO_CONST_STR, Arg.PTR_TO_MEM_OR_NULL, SZ0);
        def(173, "bpf_get_func_ip", I, CTX);
        def(175, "bpf_task_pt_regs", Ret.BTF_ID_PT_REGS, Arg.PTR_TO_BTF_ID);
        def(181, "bpf_loop", I, A, Arg.PTR_TO_FUNC, Arg.PTR_TO_STACK_OR_NULL, A);
        def(183, "bpf_get_func_arg", I, CTX, A, Arg.PTR_TO_LONG);
        def(184, "bpf_get_func_ret", I, CTX, Arg.PTR_TO_LONG);
        def(185, "bpf_get_func_arg_cnt", I, CTX);
        def(186, "bpf_get_retval", I);
        def(187, "bpf_set_retval", I, A);
        def(195, "bpf_map_lookup_percpu_elem", Ret.MAP_VALUE_OR_NULL, M, K, A);
        def(210, "bpf_cgrp_storage_get", Ret.MAP_VALUE_OR_NULL, M, Arg.PTR_TO_BTF_ID_OR_NULL, Arg.PTR_TO_MAP_VALUE_OR_NULL, A);
        def(211, "bpf_cgrp_storage_delete", I, M, Arg.PTR_TO_BTF_ID);
    }

    /**
     * The struct a helper's PTR_TO_BTF_ID argument {@code arg} (1-based) must point to
     * ({@code arg*_btf_id} of its proto), or null where the table does not say:
     * {@code bpf_inode_storage_get/delete} take a {@code struct inode}.
     */
    static String argBtfStruct(int id, int arg) {
        return (id == 145 || id == 146) && arg == 2 ? "inode" : null;
    }

    /** The signature of helper {@code id}, or a permissive one when the table does not know it. */
    static Sig of(int id) {
        Sig s = SIGS.get(id);
        if (s != null) {
            return s;
        }
        return new Sig("unknown#" + id, Ret.INTEGER);
    }

    static boolean known(int id) { return SIGS.containsKey(id); }

    /**
     * check_map_func_compatibility(): null if a map of {@code mapType} may be passed to helper
     * {@code id}, else true. Both directions: map types that only some helpers accept, and
     * helpers that only some map types accept.
     */
    static boolean mapFuncCompatible(int mapType, int id) {
        // map type -> helpers it allows
        switch (mapType) {
            case 3 -> { if (id != 12) return false; }                    // PROG_ARRAY: tail_call only
            case 4 -> { if (id != 25 && id != 55 && id != 121 && id != 122 && id != 27) return false; }   // PERF_EVENT_ARRAY
            case 27 -> { if (id != 130 && id != 131 && id != 134 && id != 200) return false; }            // RINGBUF
            case 24 -> { if (id != 107 && id != 108) return false; }     // SK_STORAGE
            case 32 -> { if (id != 210 && id != 211) return false; }     // CGRP_STORAGE
            case 29 -> { if (id != 156 && id != 157) return false; }     // TASK_STORAGE
            case 28 -> { if (id != 145 && id != 146) return false; }     // INODE_STORAGE
            case 19, 21 -> { if (id != 81) return false; }               // CGROUP_STORAGE, PERCPU_CGROUP_STORAGE
            case 22, 23 -> { if (id != 87 && id != 88 && id != 89) return false; }   // QUEUE, STACK
            case 30 -> { if (id != 87 && id != 89) return false; }       // BLOOM_FILTER
            default -> { }
        }
        // helper -> map types it allows
        return switch (id) {
            case 12 -> mapType == 3;
            case 25 -> mapType == 4;
            case 130, 131, 134 -> mapType == 27;
            case 107, 108 -> mapType == 24;
            case 210, 211 -> mapType == 32;
            case 156, 157 -> mapType == 29;
            case 145, 146 -> mapType == 28;
            case 81 -> mapType == 19 || mapType == 21;
            case 87, 89 -> mapType == 22 || mapType == 23 || mapType == 30;
            case 88 -> mapType == 22 || mapType == 23;
            case 195 -> mapType == 6 || mapType == 5 || mapType == 10;
            default -> true;
        };
    }
}
