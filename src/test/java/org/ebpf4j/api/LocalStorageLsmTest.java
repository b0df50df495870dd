package org.ebpf4j.api;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.ebpf4j.elf.ObjectReader;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.fs.Fs;
import org.ebpf4j.kernel.fs.Inode;
import org.ebpf4j.kernel.net.SockAddr;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.syscall.KernelBpf;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Our port of prog_tests/test_local_storage.c (spec-local-storage §5.2, §9) with
 * src/test/bpf/local_storage.bpf.c: BPF LSM programs attached to the modelled kernel's hooks
 * use task, inode and sk storage; the child that exec'd a copy of {@code rm} is denied
 * unlinking itself (EPERM); a rename to a fresh name passes a NULL inode to the helper and
 * deletes the storage ({@code inode_storage_result == 0}); sk storage made in
 * socket_post_create is seen in socket_bind ({@code sk_storage_result == 0}); and the
 * user-space sequence (lookup ENOENT, update NOEXIST, lookup 0xbeefdead, delete, lookup ENOENT)
 * holds for the task (pidfd), inode (file fd) and sk (socket fd) maps.
 */
class LocalStorageLsmTest {
    static final int DUMMY_STORAGE_VALUE = 0xdeadbeef;

    final Runtime rt = Runtime.builder().arenaSize(32L << 20).cpus(1).build();
    final Bpf bpf = new KernelBpf(rt);
    final Task test = rt.spawn("test_local_stor", 0, 0);

    @AfterEach
    void close() { rt.close(); }

    /** The globals struct g of the object: monitored_pid, inode/sk/task_storage_result. */
    static int global(BpfObject o, int index) {
        byte[] d = o.map("local_st.data").lookup(MapHandle.le32(0));
        return ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).getInt(4 * index);
    }

    static void setMonitored(BpfObject o, int pid) {
        MapHandle data = o.map("local_st.data");
        byte[] d = data.lookup(MapHandle.le32(0));
        ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).putInt(0, pid);
        data.update(MapHandle.le32(0), d);
    }

    /** check_syscall_operations: lookup ENOENT, update NOEXIST, lookup the value, delete, lookup ENOENT. */
    void checkSyscallOperations(MapHandle map, int keyFd) {
        byte[] key = MapHandle.le32(keyFd);
        BpfException e = assertThrows(BpfException.class, () -> bpf.mapLookupElem(test, map.fd(), key));
        assertEquals(Errno.ENOENT, e.errno(), map.name());
        byte[] v = new byte[16];
        ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 0xbeefdeadL);
        bpf.mapUpdateElem(test, map.fd(), key, v, MapFlags.BPF_NOEXIST);
        assertEquals(0xbeefdeadL, ByteBuffer.wrap(bpf.mapLookupElem(test, map.fd(), key)).order(ByteOrder.LITTLE_ENDIAN).getLong(0));
        bpf.mapDeleteElem(test, map.fd(), key);
        e = assertThrows(BpfException.class, () -> bpf.mapLookupElem(test, map.fd(), key));
        assertEquals(Errno.ENOENT, e.errno(), map.name());
    }

    @Test
    void testLocalStorage() {
        Fs fs = rt.fs();
        fs.mkdir("/tmp");
        fs.mkdir("/tmp/local_storageXXXXXX");
        fs.create("/tmp/copy_of_rm");   // copy_rm: the copy of /bin/rm the child will exec
        try (BpfObject o = BpfObject.load(ObjectReader.read(Path.of("src/test/bpf/local_storage.bpf.o")), rt, test, bpf)) {
            for (String p : new String[] {"unlink_hook", "inode_rename", "socket_bind", "socket_post_create", "exec"}) {
                o.program(p).attach();
            }
            int pidfd = test.pidfdOpen(test.pid());
            checkSyscallOperations(o.map("task_storage_map"), pidfd);
            int rmFd = fs.open(test, "/tmp/copy_of_rm", Fs.O_RDONLY);
            checkSyscallOperations(o.map("inode_storage_map"), rmFd);

            // run_self_unlink: the child execs the copy of rm, which tries to remove itself
            Task child = rt.spawn("copy_of_rm", 0, 0);
            setMonitored(o, child.pid());
            Inode rm = fs.exec(child, "/tmp/copy_of_rm");
            assertEquals(0, global(o, 3), "the exec hook ran for the child");
            int cpid = test.pidfdOpen(child.pid());
            byte[] ts = o.map("task_storage_map").lookup(MapHandle.le32(cpid));
            assertEquals(rm.address(), ByteBuffer.wrap(ts).order(ByteOrder.LITTLE_ENDIAN).getLong(0), "task storage: exec_inode");
            BpfException denied = assertThrows(BpfException.class, () -> fs.unlink(child, "/tmp/copy_of_rm"));
            assertEquals(Errno.EPERM, denied.errno(), "the child exits with EPERM");
            assertSame(rm, fs.lookup("/tmp/copy_of_rm"));
            byte[] v = o.map("inode_storage_map").lookup(MapHandle.le32(rmFd));
            assertEquals(DUMMY_STORAGE_VALUE, ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getInt(8), "the exec'd inode's storage");
            child.exit();
            assertNull(o.map("task_storage_map").lookup(MapHandle.le32(cpid)), "the child's task storage went with it");
            test.fds().close(cpid);

            // the test process is monitored now; moving copy_of_rm to a fresh name: new_dentry->d_inode is NULL
            setMonitored(o, test.pid());
            fs.rename(test, "/tmp/copy_of_rm", "/tmp/local_storageXXXXXX/copy_of_rm");
            assertEquals(0, global(o, 1), "inode_storage_result");
            assertNull(o.map("inode_storage_map").lookup(MapHandle.le32(rmFd)), "the rename hook deleted the inode's storage (ENOENT)");
            assertNull(rm.bpfStorage().get());

            // sk storage from socket_post_create, checked in socket_bind
            int serv = rt.net().socket(test, SockAddr.AF_INET6, 1, 0);   // SOCK_STREAM
            rt.net().bind(test, serv, SockAddr.any(SockAddr.AF_INET6));
            assertEquals(0, global(o, 2), "sk_storage_result");
            // the elements made by the hook are there, then the user-space sequence on a fresh map state
            assertEquals(DUMMY_STORAGE_VALUE, ByteBuffer.wrap(o.map("sk_storage_map").lookup(MapHandle.le32(serv)))
                    .order(ByteOrder.LITTLE_ENDIAN).getInt(8));
            bpf.mapDeleteElem(test, o.map("sk_storage_map").fd(), MapHandle.le32(serv));
            checkSyscallOperations(o.map("sk_storage_map"), serv);

            rt.net().close(test, serv);
            test.fds().close(rmFd);
            test.fds().close(pidfd);
        }
    }
}
