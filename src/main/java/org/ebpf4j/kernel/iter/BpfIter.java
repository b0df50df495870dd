package org.ebpf4j.kernel.iter;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.ProgObject;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.net.Socket;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.map.storage.OwnerTable;
import org.ebpf4j.map.storage.StorageOwner;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.ProgType;
import org.ebpf4j.vm.helper.HelperTable;

/**
 * A runtime's BPF iterators (kernel/bpf/bpf_iter.c): BPF_LINK_CREATE with BPF_TRACE_ITER
 * ({@code bpf_iter_link_attach}), BPF_ITER_CREATE ({@code bpf_iter_new_fd}), the open
 * sessions by the {@code seq_file} address their programs hold, and the session id counter.
 * One per runtime, made by its {@code ProgEnv}, which also takes its seq helpers.
 */
public final class BpfIter {
    private final Runtime rt;
    private final Arena arena;
    private final OwnerTable owners;
    /** {@code session_id}: atomic64_inc_return per opened iterator. */
    private final AtomicLong sessionIds = new AtomicLong();
    private final Map<Long, IterSeq> seqs = new ConcurrentHashMap<>();

    public BpfIter(Runtime rt, HelperTable helpers, OwnerTable owners) {
        this.rt = rt;
        this.arena = rt.arena();
        this.owners = owners;
        new SeqHelpers(this, arena, ThreadLocalRandom.current().nextLong()).registerInto(helpers);
    }

    Runtime runtime() { return rt; }

    Arena arena() { return arena; }

    IterSeq seqAt(long addr) { return seqs.get(addr); }

    /**
     * The kernel address a program gets for a storage owner: a socket's {@code struct sock}
     * (laid out as the model kernel BTF says, kernel.net.SockLayout; the storage helpers resolve
     * it), else the owner table's block.
     */
    long ownerAddress(StorageOwner o) {
        if (o instanceof Socket s) {
            return s.sk();
        }
        return owners.register(o);
    }

    /** Whether BPF_LINK_CREATE of this program is an iterator's (a TRACING program loaded for BPF_TRACE_ITER). */
    public static boolean handles(File progFile) {
        return progFile instanceof File.ProgFile pf && pf.prog() instanceof BpfProg bp
                && bp.progType() == ProgType.TRACING && bp.expectedAttachType() == AttachType.TRACE_ITER;
    }

    /**
     * BPF_LINK_CREATE for an iterator program, in the order of {@code link_create} then
     * {@code bpf_iter_link_attach}: the program (EBADF/EINVAL), attach_type equal to its
     * expected_attach_type (EINVAL), target_fd and flags 0 (EINVAL), the target (ENOENT), the id,
     * the target's checks of {@code iter_info}; a link fd.
     */
    public int linkCreate(Task task, Attrs.LinkCreate a) {
        File f = task.fds().get(a.progFd());
        if (!(f instanceof File.ProgFile pf) || !(pf.prog() instanceof BpfProg prog)) {
            throw new BpfException(Errno.EINVAL, "prog_fd " + a.progFd() + " is a " + f.what() + " fd, not a program");
        }
        if (!prog.tryInc()) {
            throw new BpfException(Errno.EBADF, "prog_fd " + a.progFd() + " was closed");
        }
        IterLink link;
        try {
            if (a.attachType() != AttachType.TRACE_ITER.value()) {
                throw new BpfException(Errno.EINVAL, "attach_type " + a.attachType() + " differs from the program's "
                        + "expected_attach_type BPF_TRACE_ITER");
            }
            if (a.targetFd() != 0 || a.flags() != 0) {
                throw new BpfException(Errno.EINVAL, "target_fd " + a.targetFd() + ", flags 0x" + Integer.toHexString(a.flags())
                        + ": an iterator link takes neither");
            }
            String fn = prog.attachFuncName();
            IterTarget target = fn != null && fn.startsWith(IterTargets.BPF_ITER_FUNC_PREFIX)
                    ? IterTargets.byName(fn.substring(IterTargets.BPF_ITER_FUNC_PREFIX.length())) : null;
            if (target == null) {
                throw new BpfException(Errno.ENOENT, prog.describe() + " names no registered iterator target");
            }
            link = new IterLink(rt, target, prog, task.origin("BPF_LINK_CREATE"));
        } catch (BpfException e) {
            prog.put();
            throw e;
        }
        // the link owns the program reference from here: its put releases it
        try {
            link.primeId();
            link.settleLink(link.target().attach(task, prog, a.iterInfo()));
        } catch (BpfException e) {
            link.put();   // bpf_link_cleanup
            throw e;
        }
        return link.installFd(task);
    }

    /**
     * BPF_ITER_CREATE ({@code bpf_iter_create}): flags must be 0 (EINVAL); the fd must be a
     * link (EBADF/EINVAL) and an iter link (EINVAL); a new O_RDONLY iterator fd holding a
     * program reference ({@code prepare_seq_file}).
     */
    public int iterCreate(Task task, int linkFd, int flags) {
        if (flags != 0) {
            throw new BpfException(Errno.EINVAL, "iter_create.flags 0x" + Integer.toHexString(flags) + " must be 0");
        }
        File f = task.fds().get(linkFd);
        if (!(f instanceof File.LinkFile lf)) {
            throw new BpfException(Errno.EINVAL, "link_fd " + linkFd + " is a " + f.what() + " fd, not a link");
        }
        if (!(lf.link() instanceof IterLink link)) {
            throw new BpfException(Errno.EINVAL, "link_fd " + linkFd + ": " + lf.link().describe() + " is not an iterator link");
        }
        return open(task, link);
    }

    /**
     * open(2) of a bpffs file ({@code cat /sys/fs/bpf/NAME}): a pinned iter link opens as a new
     * iterator fd ({@code bpf_mkiter}: the inode's fops are {@code bpf_iter_fops}); a pinned map,
     * program or other link cannot be opened (EIO, {@code bpffs_obj_open}). ENOENT/EACCES as
     * BPF_OBJ_GET.
     */
    public int openPinned(Task task, String path) {
        org.ebpf4j.kernel.KernelObject o = rt.bpffs().get(task, path, File.FMODE_READ);
        try {
            if (!(o instanceof IterLink link)) {
                throw new BpfException(Errno.EIO, "open of \"" + path + "\": only pinned iterator links can be opened and read");
            }
            return open(task, link);
        } finally {
            o.anyPut();
        }
    }

    /** {@code bpf_iter_new_fd} / {@code iter_open}: a session over {@code link} installed as an fd. */
    int open(Task task, IterLink link) {
        BpfProg prog = link.prog();
        if (!prog.tryInc()) {
            throw new BpfException(Errno.EBADF, link.describe() + " is going away");
        }
        Object aux = link.aux();
        if (aux == null && !(link.target() instanceof MapTarget)) {   // released: the link is going away
            prog.put();
            throw new BpfException(Errno.EBADF, link.describe() + " is going away");
        }
        long block = arena.alloc(IterSeq.BLOCK);
        if (block == 0) {
            prog.put();
            throw new BpfException(Errno.ENOMEM, "no arena memory for an iterator session");
        }
        IterSeq seq = new IterSeq(this, prog, link.target().open(aux, this), block, sessionIds.incrementAndGet());
        seqs.put(seq.seqAddress(), seq);
        try {
            return task.fds().install(new File.IterFile((ProgObject) prog, seq, File.FMODE_READ));
        } catch (BpfException e) {
            seq.release();
            prog.put();
            throw e;
        }
    }

    /** A released session: no program can reach its seq_file after a grace period, then its block goes. */
    void forget(IterSeq seq) {
        seqs.remove(seq.seqAddress(), seq);
        rt.rcu().callAfterGracePeriod(() -> arena.free(seq.block(), IterSeq.BLOCK));
    }

    /**
     * read(2) of an iterator fd: at most {@code count} bytes, empty at the end (EBADF for a
     * closed fd, EINVAL for an fd that is not an iterator).
     */
    public static byte[] read(Task task, int fd, int count) {
        File f = task.fds().get(fd);
        if (!(f instanceof File.IterFile it)) {
            throw new BpfException(Errno.EINVAL, "fd " + fd + " is a " + f.what() + " fd, not a BPF iterator");
        }
        return it.seq().read(task, count);
    }
}
