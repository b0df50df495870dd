package org.ebpf4j.kernel.link;

import java.util.List;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.ObjInfo;
import org.ebpf4j.kernel.ProgObject;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.CgRunCtx;
import org.ebpf4j.kernel.cgroup.CgroupProg;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.ProgType;

/** A loaded-program stand-in (until PROG_LOAD lands): a ProgObject that is a CgroupProg returning a constant. */
final class TestProg extends ProgObject implements CgroupProg {
    private final ProgType type;
    private final AttachType expected;
    private final long r0;
    private final List<Integer> trace;
    boolean destroyed;

    private TestProg(Runtime rt, ProgType type, AttachType expected, long r0, List<Integer> trace) {
        super("test");
        this.type = type;
        this.expected = expected;
        this.r0 = r0;
        this.trace = trace;
        publish(rt);
    }

    /** Loads a program and installs a prog fd for it in {@code task}. */
    static int load(Task task, ProgType type, AttachType expected, long r0, List<Integer> trace) {
        TestProg p = new TestProg(task.runtime(), type, expected, r0, trace);
        return task.fds().install(new File.ProgFile(p, File.FMODE_RDWR));
    }

    static TestProg of(Task task, int fd) { return (TestProg) ((File.ProgFile) task.fds().get(fd)).prog(); }

    @Override public ProgType progType() { return type; }

    @Override public ProgType type() { return type; }

    @Override public AttachType expectedAttachType() { return expected; }

    @Override public String tagHex() { return String.format("%016x", 0xabc00L + id()); }

    @Override public String name() { return "test" + id(); }

    @Override public ObjInfo info() { return this::id; }

    @Override
    public long run(long ctx, CgRunCtx rc) {
        if (trace != null) {
            synchronized (trace) {
                trace.add(id());
            }
        }
        return r0;
    }

    @Override protected void destroy() { destroyed = true; }
}
