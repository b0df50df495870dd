package org.ebpf4j.map;

import java.util.function.Consumer;
import org.ebpf4j.memory.Arena;

/**
 * What a map needs from the runtime that creates it.
 *
 * @param arena            where headers, keys and values live
 * @param possibleCpus     {@code num_possible_cpus()}: per-CPU maps keep this many values
 * @param registry         resolves map kernel addresses (held by programs) back to maps
 * @param afterGracePeriod every free of memory a running program might still hold goes through
 *                         here, as the kernel's {@code call_rcu()}: the runnable must run only
 *                         once every program run that started before the call has finished.
 *                         Until the {@code rcu} layer exists the runtime may pass {@code Runnable::run}
 *                         (immediate; safe only while no program runs concurrently with deletes)
 *                         or a queue it drains when it knows no program is running.
 * @param afterTasksTraceGracePeriod {@code call_rcu_tasks_trace()}: runs once every sleepable
 *                         program run that started before the call has finished. Inner maps
 *                         removed from an outer map used by sleepable programs are freed after
 *                         this and then {@code afterGracePeriod} (spec §7.8).
 */
public record MapEnv(Arena arena, int possibleCpus, MapRegistry registry, Consumer<Runnable> afterGracePeriod,
                     Consumer<Runnable> afterTasksTraceGracePeriod) {
    /** A runtime that runs no sleepable programs: the tasks-trace grace period is the normal one. */
    public MapEnv(Arena arena, int possibleCpus, MapRegistry registry, Consumer<Runnable> afterGracePeriod) {
        this(arena, possibleCpus, registry, afterGracePeriod, afterGracePeriod);
    }

    public MapEnv {
        if (arena == null || registry == null || afterGracePeriod == null || afterTasksTraceGracePeriod == null) {
            throw new IllegalArgumentException("MapEnv needs an arena, a registry and a grace-period executor");
        }
        if (possibleCpus < 1) {
            throw new IllegalArgumentException("possibleCpus " + possibleCpus + " must be >= 1");
        }
    }
}
