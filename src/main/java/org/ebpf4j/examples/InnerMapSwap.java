package org.ebpf4j.examples;

import static org.ebpf4j.isa.Reg.*;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Size;
import org.ebpf4j.kernel.MapObject;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.map.BpfMap;
import org.ebpf4j.map.FdValueMap;
import org.ebpf4j.map.InnerMapRef;
import org.ebpf4j.map.MapAttr;
import org.ebpf4j.map.MapHelpers;
import org.ebpf4j.map.MapTypes;
import org.ebpf4j.map.MapWait;
import org.ebpf4j.map.MapWaitEvent;
import org.ebpf4j.rcu.Rcu;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.helper.HelperTable;

/**
 * Seed 5 (examples/seed5-inner-map-swap): replace an inner map while a program reads it, and
 * show the old map go quiet the moment the update returns. A program looks up slot 0 of an
 * ARRAY_OF_MAPS and counts into the inner map it finds; it runs on a reader thread inside RCU
 * read sections. The main thread swaps inner map A for B (update + {@code maybe_wait_bpf_programs}),
 * reads A's counter, waits, reads it again: equal. Then it drops A and watches its id vanish and,
 * through the ebpf4j {@code mapWait} extension, its memory being freed.
 *
 * <p>Runnable with {@code java -cp target/classes org.ebpf4j.examples.InnerMapSwap}; a CLI
 * {@code demo} verb can call {@link #run(PrintStream)}.
 */
public final class InnerMapSwap {
    private InnerMapSwap() {}

    /** What the demo observed. */
    public record Result(long aAfterUpdate, long aLater, long bCount, boolean aIdGone, boolean aFreed) {
        public boolean quiet() { return aAfterUpdate == aLater; }
    }

    public static void main(String[] args) throws InterruptedException {
        Result r = run(System.out);
        System.exit(r.quiet() && r.aIdGone() && r.aFreed() ? 0 : 1);
    }

    public static Result run(PrintStream out) throws InterruptedException {
        try (Runtime rt = Runtime.builder().arenaSize(16 << 20).cpus(2).build()) {
            MapAttr innerAttr = MapAttr.of(MapType.ARRAY, 4, 8, 1, 0).withName("counter");
            MapObject template = newMap(rt, innerAttr);
            MapObject outer = newMap(rt, MapAttr.of(MapType.ARRAY_OF_MAPS, 4, 4, 1, 0).withInnerMap(template.map()).withName("outer"));
            template.putWithUref();   // the outer map keeps only the template's shape
            MapObject a = newMap(rt, innerAttr);
            MapObject b = newMap(rt, innerAttr);
            @SuppressWarnings("unchecked")
            FdValueMap<InnerMapRef> slots = (FdValueMap<InnerMapRef>) outer.map();
            byte[] zero = new byte[4];

            a.inc();   // the slot's reference (bpf_map_fd_get_ptr)
            slots.updateObject(zero, a, 0);
            MapWait.maybeWaitBpfPrograms(outer.map(), rt.rcu());
            out.printf("outer map id %d: slot 0 = inner map id %d%n", outer.id(), le32(outer.map().lookup(zero, 0)));

            Executable prog = program(rt, outer.map());
            AtomicBoolean stop = new AtomicBoolean();
            LongAdder runs = new LongAdder();
            Thread reader = Thread.ofPlatform().name("reader").start(() -> {
                Rcu.Reader rd = rt.rcu().reader();
                while (!stop.get()) {
                    rd.lock();
                    try {
                        prog.run(0);
                    } finally {
                        rd.unlock();
                    }
                    runs.increment();
                }
            });
            while (counter(a.map()) < 1000) {
                Thread.onSpinWait();
            }
            b.inc();
            slots.updateObject(zero, b, 0);                        // BPF_MAP_UPDATE_ELEM ...
            MapWait.maybeWaitBpfPrograms(outer.map(), rt.rcu());   // ... returns after this
            long aAfter = counter(a.map());
            Thread.sleep(200);
            long aLater = counter(a.map());
            stop.set(true);
            reader.join();
            long bCount = counter(b.map());
            out.printf("after the swap returned: A = %d, 200 ms later A = %d (%s); B = %d; runs = %d%n",
                    aAfter, aLater, aAfter == aLater ? "quiet" : "STILL MOVING", bCount, runs.sum());

            int aId = a.id();
            BpfMap aMap = a.map();
            a.putWithUref();   // close(A's fd): the last reference, since the slot let go
            boolean idGone = rt.mapRegistry().byId(aId) == null;
            out.printf("A's fd closed: id %d %s%n", aId, idGone ? "is gone" : "STILL VISIBLE");
            MapWait.await(aMap, MapWaitEvent.FREED, Duration.ofSeconds(10));
            out.println("mapWait(A, FREED) returned: A's memory is back after the grace period");
            b.putWithUref();
            outer.putWithUref();
            return new Result(aAfter, aLater, bCount, idGone, MapWait.reached(aMap, MapWaitEvent.FREED));
        }
    }

    private static MapObject newMap(Runtime rt, MapAttr attr) {
        return rt.adoptMap(MapTypes.create(attr, rt.mapEnv()), null, 0, 0, "seed5 example");
    }

    /** r0 = inner = lookup(&outer, &0); v = lookup(inner, &0); *v += 1 (atomic). */
    private static Executable program(Runtime rt, BpfMap outer) {
        HelperTable helpers = HelperTable.base();
        MapHelpers.register(helpers, rt.mapRegistry());
        var insns = Asm.program()
                .st(Size.W, R10, -4, 0)
                .mov64(R2, R10).add64(R2, -4)
                .lddw(R1, outer.address())
                .call(MapHelpers.BPF_FUNC_map_lookup_elem)
                .jeq(R0, 0, "out")
                .mov64(R1, R0)
                .mov64(R2, R10).add64(R2, -4)
                .call(MapHelpers.BPF_FUNC_map_lookup_elem)
                .jeq(R0, 0, "out")
                .mov64(R1, 1)
                .atomicAdd(Size.DW, R0, 0, R1)
                .label("out")
                .mov64(R0, 0)
                .exit()
                .build();
        return new Interpreter(rt.arena(), helpers).load(new ProgramImage("seed5_reader", insns));
    }

    private static long counter(BpfMap inner) {
        byte[] v = inner.lookup(new byte[4], 0);
        long x = 0;
        for (int i = 7; i >= 0; i--) {
            x = x << 8 | (v[i] & 0xff);
        }
        return x;
    }

    private static int le32(byte[] b) {
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }
}
