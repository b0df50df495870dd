package org.ebpf4j.kernel.helpers;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The runtime's {@code /sys/kernel/tracing/trace_pipe} as far as BPF writes to it: every
 * {@code bpf_trace_printk} line, with who wrote it and when. A bounded ring (the kernel's trace
 * buffer drops old events too); {@link #read()} consumes as reading trace_pipe does,
 * {@link #snapshot()} does not (the {@code trace} file).
 */
public final class TracePipe {
    /** One {@code bpf_trace_printk} event. */
    public record Event(String comm, int pid, int cpu, long timestampNs, String message) {
        /** The line as trace_pipe prints it ({@code TP_printk} appends the newline). */
        @Override
        public String toString() {
            String msg = message.endsWith("\n") ? message.substring(0, message.length() - 1) : message;
            return String.format("%16s-%-7d [%03d] d..31 %5d.%06d: bpf_trace_printk: %s", comm, pid, cpu,
                    timestampNs / 1_000_000_000L, (timestampNs / 1000) % 1_000_000, msg);
        }
    }

    private final int capacity;
    private final ArrayDeque<Event> events = new ArrayDeque<>();
    private long dropped;

    public TracePipe(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("trace pipe capacity must be >= 1, got " + capacity);
        }
        this.capacity = capacity;
    }

    public TracePipe() { this(65536); }

    /** Appends an event (program path: never blocks for long, never throws). */
    public synchronized void write(Event e) {
        if (events.size() == capacity) {
            events.pollFirst();
            dropped++;
        }
        events.addLast(e);
    }

    /** Takes every event written so far (trace_pipe: a read consumes). */
    public synchronized List<Event> read() {
        List<Event> out = new ArrayList<>(events);
        events.clear();
        return out;
    }

    /** The events written so far, left in place. */
    public synchronized List<Event> snapshot() { return new ArrayList<>(events); }

    /** The messages alone (without trace headers), consumed: what tests usually want. */
    public synchronized List<String> readMessages() {
        List<String> out = new ArrayList<>(events.size());
        for (Event e : events) {
            out.add(e.message());
        }
        events.clear();
        return out;
    }

    /** Events lost because the ring was full. */
    public synchronized long dropped() { return dropped; }
}
