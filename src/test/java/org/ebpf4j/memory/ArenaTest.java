package org.ebpf4j.memory;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ArenaTest {

    @Test
    void nullAndOutsideAddressesFault() {
        try (Arena a = new Arena(1 << 20)) {
            assertThrows(MemoryFault.class, () -> a.load64(0));
            assertThrows(MemoryFault.class, () -> a.load8(Arena.BASE - 1));
            assertThrows(MemoryFault.class, () -> a.load64(Arena.BASE + (1 << 20) - 7));
            assertThrows(MemoryFault.class, () -> a.store32(Long.MAX_VALUE, 1));
            assertThrows(MemoryFault.class, () -> a.copyOut(Arena.BASE + 10, (1 << 20)));
            a.store64(Arena.BASE + (1 << 20) - 8, -1L);
            assertEquals(-1L, a.load64(Arena.BASE + (1 << 20) - 8));
        }
    }

    @Test
    void loadsZeroExtendAndStoresAreLittleEndian() {
        try (Arena a = new Arena(1 << 20)) {
            long p = a.alloc(16);
            a.store64(p, 0x8877665544332211L);
            assertEquals(0x11, a.load8(p));
            assertEquals(0x2211, a.load16(p));
            assertEquals(0x44332211L, a.load32(p));
            a.store32(p + 8, 0xffffffffL);
            assertEquals(0xffffffffL, a.load32(p + 8));
            assertArrayEquals(new byte[] {0x11, 0x22, 0x33}, a.copyOut(p, 3));
        }
    }

    @Test
    void atomicsRequireAlignment() {
        try (Arena a = new Arena(1 << 20)) {
            long p = a.alloc(16);
            assertThrows(MemoryFault.class, () -> a.getAndAdd64(p + 4, 1));
            assertEquals(0, a.getAndAdd64(p, 5));
            assertEquals(5, a.compareAndExchange64(p, 5, 9));
            assertEquals(9, a.load64(p));
        }
    }

    @Test
    void allocationsAreZeroedDistinctAndReused() {
        try (Arena a = new Arena(1 << 22)) {
            List<Long> ptrs = new ArrayList<>();
            for (int size : new int[] {1, 8, 9, 100, 2048, 2049, 4096, 10000}) {
                long p = a.alloc(size);
                assertNotEquals(0, p);
                assertEquals(0, (p - Arena.BASE) % 8);
                for (long o = 0; o < size; o++) {
                    assertEquals(0, a.load8(p + o));
                }
                a.fill(p, size, (byte) 0x5a);
                ptrs.add(p);
                ptrs.add((long) size);
            }
            assertTrue(a.allocatedBytes() > 0);
            for (int i = 0; i < ptrs.size(); i += 2) {
                a.free(ptrs.get(i), ptrs.get(i + 1));
            }
            assertEquals(0, a.allocatedBytes());
            long q = a.alloc(10000);
            assertEquals(0, a.load64(q + 9992)); // reused memory comes back zeroed
        }
    }

    @Test
    void exhaustionReturnsNull() {
        try (Arena a = new Arena(1 << 16)) {
            long last = 1;
            for (int i = 0; i < 100 && last != 0; i++) {
                last = a.alloc(8192);
            }
            assertEquals(0, last);
        }
    }

    @Test
    void concurrentAllocationNeverHandsOutTheSameBlockTwice() throws Exception {
        try (Arena a = new Arena(1 << 24); ExecutorService ex = Executors.newFixedThreadPool(4)) {
            ConcurrentHashMap<Long, Boolean> seen = new ConcurrentHashMap<>();
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                fs.add(ex.submit(() -> {
                    for (int i = 0; i < 2000; i++) {
                        long p = a.alloc(24);
                        assertNull(seen.put(p, true));
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            assertEquals(8000, seen.size());
        }
    }
}
