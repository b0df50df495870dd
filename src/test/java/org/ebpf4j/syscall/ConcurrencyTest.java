package org.ebpf4j.syscall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.ebpf4j.kernel.LeakCheck;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.MapType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Several threads creating, using and closing maps and fds at once. */
class ConcurrencyTest {
    @RegisterExtension final LeakCheck k = new LeakCheck();

    @Test
    void noFdIsHandedOutTwiceAndEverythingDies() throws Exception {
        Bpf bpf = k.bpf();
        Task t = k.root("conc");
        int threads = 4;
        int rounds = 300;
        Set<Integer> ids = ConcurrentHashMap.newKeySet();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            ts.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (int r = 0; r < rounds; r++) {
                        int a = bpf.mapCreate(t, MapCreateAttr.of(MapType.HASH, 4, 8, 8, 0));
                        int b = t.fds().dup(a);
                        // an fd open in this thread must name the object we put there
                        bpf.mapUpdateElem(t, a, Bytes.u32(r), Bytes.u64(r), 0);
                        assertEquals(r, Bytes.le64(bpf.mapLookupElem(t, b, Bytes.u32(r))));
                        ids.add(((org.ebpf4j.kernel.MapInfo) bpf.objGetInfoByFd(t, a)).id());
                        t.fds().close(a);
                        t.fds().close(b);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        start.countDown();
        for (Thread th : ts) {
            th.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(threads * rounds, ids.size(), "every map got its own id");
        assertEquals(0, k.runtime().mapIds().size());
        assertEquals(3, t.fds().openCount());
    }

    @Test
    void closingWhileOthersUseTheFdGivesEbadfOrSuccessNeverCorruption() throws Exception {
        Bpf bpf = k.bpf();
        Task t = k.root("race");
        for (int round = 0; round < 50; round++) {
            int fd = bpf.mapCreate(t, MapCreateAttr.of(MapType.ARRAY, 4, 8, 1, 0));
            CountDownLatch go = new CountDownLatch(1);
            AtomicReference<Throwable> bad = new AtomicReference<>();
            Thread user = Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                    for (int i = 0; i < 200; i++) {
                        try {
                            bpf.mapLookupElem(t, fd, Bytes.u32(0));
                        } catch (BpfException e) {
                            // EBADF once closed; EINVAL/other would mean the fd now names something else
                            if (e.errno() != org.ebpf4j.uapi.Errno.EBADF) {
                                throw e;
                            }
                        }
                    }
                } catch (Throwable e) {
                    bad.set(e);
                }
            });
            go.countDown();
            t.fds().close(fd);
            user.join();
            if (bad.get() != null) {
                throw new AssertionError(bad.get());
            }
        }
        assertTrue(k.runtime().mapIds().size() == 0);
    }
}
