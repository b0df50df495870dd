package org.ebpf4j.map;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.ebpf4j.rcu.Rcu;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * Waiting for programs and for maps. Two parts:
 * <ul>
 * <li>{@link #maybeWaitBpfPrograms}: Linux's {@code maybe_wait_bpf_programs()}
 *     (kernel/bpf/syscall.c; spec §7.7), the one call the syscall layer makes after
 *     MAP_UPDATE_ELEM / MAP_DELETE_ELEM succeeded and after every write batch command (update,
 *     delete, lookup-and-delete; even failed or unsupported ones).</li>
 * <li>{@link #await}: the ebpf4j extension {@code mapWait(map, event, timeout)}
 *     (docs/extensions.md), answering seed 5's open questions: wait until no program holds this
 *     map from an outer lookup ({@link MapWaitEvent#PENDING_REFS}), or until its memory is freed
 *     ({@link MapWaitEvent#FREED}).</li>
 * </ul>
 * Stateless: the state lives on the maps and on the RCU domain passed in.
 */
public final class MapWait {
    private MapWait() {}

    /**
     * {@code maybe_wait_bpf_programs(map)}: for map-in-map, waits until every non-sleepable
     * program run that began before the call has ended ({@code synchronize_rcu_expedited}), so
     * none can still use the inner map the write replaced. Sleepable programs ({@code normal}
     * is not their domain) are deliberately not waited for, as in Linux ("an open issue").
     *
     * @return true if it waited
     */
    public static boolean maybeWaitBpfPrograms(BpfMap map, Rcu normal) {
        if (!map.waitsForProgramsOnWrite()) {
            return false;
        }
        normal.synchronize();
        return true;
    }

    /**
     * The {@code mapWait} extension: returns once {@code event} holds for {@code map}, or throws
     * {@link BpfException} ETIMEDOUT after {@code timeout} (EINTR if the thread is interrupted).
     * {@code map} is a plain Java handle: it holds no reference, so FREED can complete while the
     * caller still has it (a syscall surface taking an fd must let go of that fd first).
     */
    public static void await(BpfMap map, MapWaitEvent event, Duration timeout) {
        if (map == null || event == null || timeout == null || timeout.isNegative()) {
            throw new BpfException(Errno.EINVAL, "mapWait needs a map, an event and a timeout >= 0 (got "
                    + map + ", " + event + ", " + timeout + ")");
        }
        if (!(map instanceof MapBase m)) {
            throw new BpfException(Errno.EINVAL, "mapWait: " + map.getClass().getSimpleName() + " is not an ebpf4j map");
        }
        long nanos = timeout.toNanos();
        try {
            switch (event) {
                case PENDING_REFS -> {
                    if (!m.life().awaitNoPendingRefs(nanos)) {
                        throw new BpfException(Errno.ETIMEDOUT, "mapWait PENDING_REFS on " + describe(m) + ": still "
                                + (m.life().outerSlots() > 0 ? "in " + m.life().outerSlots() + " outer slot(s)"
                                : "within the grace period after leaving its last outer slot") + " after " + timeout);
                    }
                }
                case FREED -> m.life().freed.get(nanos, TimeUnit.NANOSECONDS);
            }
        } catch (TimeoutException e) {
            throw new BpfException(Errno.ETIMEDOUT, "mapWait FREED on " + describe(m) + ": not freed after " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BpfException(Errno.EINTR, "mapWait " + event + " on " + describe(m) + " interrupted");
        } catch (ExecutionException e) {
            throw new IllegalStateException("the free of " + describe(m) + " failed", e.getCause());
        }
    }

    /** True once {@code event} holds, without waiting. */
    public static boolean reached(BpfMap map, MapWaitEvent event) {
        if (!(map instanceof MapBase m)) {
            return false;
        }
        return event == MapWaitEvent.PENDING_REFS ? m.life().noPendingRefs() : m.life().freed.isDone();
    }

    private static String describe(MapBase m) {
        return m.type() + " map at 0x" + Long.toHexString(m.address()) + (m.id() != 0 ? " (id " + m.id() + ")" : " (id gone)");
    }
}
