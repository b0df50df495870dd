package org.ebpf4j.syscall;

import static org.ebpf4j.isa.Reg.*;
import static org.ebpf4j.isa.Size.*;
import static org.ebpf4j.syscall.Bytes.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.Set;
import org.ebpf4j.btf.StructLayout;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.LeakCheck;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.fs.Fs;
import org.ebpf4j.kernel.fs.Inode;
import org.ebpf4j.kernel.fs.SecurityHooks;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.ProgramImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * prog_tests/test_local_storage.c (spec §5.2) on the filesystem's LSM hook call sites, with
 * the programs of progs/local_storage.c written in assembly and run by a {@link SecurityHooks}
 * the way the BPF LSM runs them (an array of u64 arguments as context, as the current task):
 * the exec'd copy of {@code rm} may not unlink itself (EPERM), a rename whose new name has no
 * inode yet passes NULL to {@code bpf_inode_storage_get} harmlessly, and a rename carries the
 * storage's deletion ({@code inode_storage_result == 0}). Until LSM programs can be attached
 * (the trampoline work), this is how the hooks and helpers meet.
 */
class InodeStorageLsmHooksTest {
    static final int DUMMY_STORAGE_VALUE = 0xdeadbeef;

    @RegisterExtension final LeakCheck k = new LeakCheck();

    @Test
    void selfUnlinkDeniedAndRenameWithNullInode() {
        Runtime rt = k.runtime();
        Arena arena = rt.arena();
        Bpf bpf = k.bpf();
        Task t = k.root("test_local_stor");
        Fs fs = rt.fs();
        RawBtf b = new RawBtf();
        int tInt = b.integer("int", 4);
        int tVal = b.struct("local_storage", 16, "exec_inode", b.integer("long long", 8), 0, "value", tInt, 8);
        int btf = bpf.btfLoad(t, BtfLoadAttr.of(b.bytes()));
        int inodeMap = bpf.mapCreate(t, MapCreateAttr.of(MapType.INODE_STORAGE, 4, 16, 0, MapFlags.BPF_F_NO_PREALLOC).withBtf(btf, tInt, tVal));
        int taskMap = bpf.mapCreate(t, MapCreateAttr.of(MapType.TASK_STORAGE, 4, 16, 0, MapFlags.BPF_F_NO_PREALLOC).withBtf(btf, tInt, tVal));
        long inodeMapAddr = ((File.MapFile) t.fds().get(inodeMap)).map().map().address();
        long taskMapAddr = ((File.MapFile) t.fds().get(taskMap)).map().map().address();
        StructLayout dentry = StructLayout.of(rt.kernelBtf(), "dentry");
        StructLayout file = StructLayout.of(rt.kernelBtf(), "file");
        int dInode = dentry.offset("d_inode");
        int fInode = file.offset("f_inode");
        long globals = arena.alloc(16);   // monitored_pid at 0, inode_storage_result at 8
        arena.store64(globals + 8, -1);

        Interpreter vm = new Interpreter(arena, rt.progs().helpers(), Set.of(), rt.cpus());
        // lsm/file_open (the exec open): for the monitored pid, task storage remembers the exec'd
        // inode and the inode gets its storage (progs/local_storage.c does this in bprm_committed_creds)
        Executable exec = vm.load(new ProgramImage("exec", Asm.program()
                .ldx(DW, R6, R1, 0)                                   // file
                .call(14).rsh64(R0, 32).lddw(R1, globals).ldx(W, R1, R1, 0).jne(R0, R1, "out")
                .call(158).mov64(R2, R0).lddw(R1, taskMapAddr).mov64(R3, 0).mov64(R4, 1).call(156)
                .jeq(R0, 0, "out")
                .ldx(DW, R1, R6, fInode).stx(DW, R0, 0, R1)           // storage->exec_inode = file->f_inode
                .lddw(R1, inodeMapAddr).ldx(DW, R2, R6, fInode).mov64(R3, 0).mov64(R4, 1).call(145)
                .jeq(R0, 0, "out")
                .st(W, R0, 8, DUMMY_STORAGE_VALUE)
                .label("out").mov64(R0, 0).exit().build()));
        // lsm/inode_unlink: don't let an executable delete itself
        Executable unlink = vm.load(new ProgramImage("unlink_hook", Asm.program()
                .ldx(DW, R6, R1, 8)                                   // victim dentry
                .call(14).rsh64(R0, 32).lddw(R1, globals).ldx(W, R1, R1, 0).jne(R0, R1, "allow")
                .call(158).mov64(R2, R0).lddw(R1, taskMapAddr).mov64(R3, 0).mov64(R4, 0).call(156)
                .jeq(R0, 0, "allow")
                .ldx(DW, R1, R0, 0).ldx(DW, R2, R6, dInode).jne(R1, R2, "allow")
                .mov64(R0, -1).exit()                                 // -EPERM
                .label("allow").mov64(R0, 0).exit().build()));
        // lsm/inode_rename: get(new_dentry->d_inode, F_CREATE) may see NULL; then move the old inode's storage out
        Executable rename = vm.load(new ProgramImage("inode_rename", Asm.program()
                .mov64(R6, R1)
                .lddw(R1, inodeMapAddr).ldx(DW, R2, R6, 24).ldx(DW, R2, R2, dInode).mov64(R3, 0).mov64(R4, 1).call(145)
                .lddw(R1, inodeMapAddr).ldx(DW, R2, R6, 8).ldx(DW, R2, R2, dInode).mov64(R3, 0).mov64(R4, 0).call(145)
                .jeq(R0, 0, "out")
                .lddw(R1, inodeMapAddr).ldx(DW, R2, R6, 8).ldx(DW, R2, R2, dInode).call(146)
                .jne(R0, 0, "out").lddw(R1, globals).stx(DW, R1, 8, R0)   // inode_storage_result = err
                .label("out").mov64(R0, 0).exit().build()));

        fs.setSecurityHooks(new SecurityHooks() {
            private int run(Task task, Executable p, long... args) {
                long ctx = arena.alloc(8L * args.length);
                try {
                    for (int i = 0; i < args.length; i++) {
                        arena.store64(ctx + 8L * i, args[i]);
                    }
                    return (int) (long) rt.progs().asCurrent(task, () -> p.run(ctx));
                } finally {
                    arena.free(ctx, 8L * args.length);
                }
            }

            @Override public int fileOpen(Task task, long f) { return run(task, exec, f); }

            @Override public int inodeUnlink(Task task, long dir, long d) { return run(task, unlink, dir, d); }

            @Override public int inodeRename(Task task, long od, long o, long nd, long n) { return run(task, rename, od, o, nd, n); }
        });

        // the user-space part: lookup ENOENT, update NOEXIST, lookup 0xbeefdead, delete, lookup ENOENT
        fs.mkdir("/tmp");
        fs.create("/tmp/copy_of_rm");
        int fd = fs.open(t, "/tmp/copy_of_rm", Fs.O_RDONLY);
        assertErrno(Errno.ENOENT, () -> bpf.mapLookupElem(t, inodeMap, u32(fd)));
        byte[] v = new byte[16];
        v[0] = (byte) 0xad; v[1] = (byte) 0xde; v[2] = (byte) 0xef; v[3] = (byte) 0xbe;
        bpf.mapUpdateElem(t, inodeMap, u32(fd), v, MapFlags.BPF_NOEXIST);
        assertEquals(0xbeefdeadL, le64(bpf.mapLookupElem(t, inodeMap, u32(fd))));
        bpf.mapDeleteElem(t, inodeMap, u32(fd));
        assertErrno(Errno.ENOENT, () -> bpf.mapLookupElem(t, inodeMap, u32(fd)));
        t.fds().close(fd);

        // the child execs the copied rm, which tries to unlink itself: EPERM
        Task child = rt.spawn("copy_of_rm", 0, 0);
        arena.store32(globals, child.pid());
        Inode rm = fs.exec(child, "/tmp/copy_of_rm");
        assertEquals(DUMMY_STORAGE_VALUE, (int) arena.load32(((org.ebpf4j.map.storage.InodeStorageMap)
                ((File.MapFile) t.fds().get(inodeMap)).map().map()).helperGet(rm, 0, 0) + 8));
        assertErrno(Errno.EPERM, () -> fs.unlink(child, "/tmp/copy_of_rm"));
        assertSame(rm, fs.lookup("/tmp/copy_of_rm"), "still there");
        assertEquals(1, rm.nlink());
        fs.unlink(t, "/tmp/copy_of_rm");   // the test itself (not monitored) removes it
        assertFalse(rm.evicted(), "the running executable keeps the inode");
        child.exit();
        assertTrue(rm.evicted(), "exit dropped mm->exe_file: evicted, storage freed");
        assertNull(rm.bpfStorage().get());

        // rename to a name nobody has: new_dentry->d_inode is NULL, and the storage is deleted
        Task renamer = rt.spawn("renamer", 0, 0);
        arena.store32(globals, renamer.pid());
        fs.create("/tmp/a");
        fs.exec(renamer, "/tmp/a");   // gives /tmp/a its DUMMY value
        fs.rename(renamer, "/tmp/a", "/tmp/b");
        assertEquals(0, arena.load64(globals + 8), "inode_storage_result == 0");
        assertNull(fs.lookup("/tmp/b").bpfStorage().get(), "deleted by the hook");
        renamer.exit();
        fs.setSecurityHooks(null);
        arena.free(globals, 16);
        t.fds().close(inodeMap);
        t.fds().close(taskMap);
        t.fds().close(btf);
        rt.barrier();
        rt.barrier();
    }
}
