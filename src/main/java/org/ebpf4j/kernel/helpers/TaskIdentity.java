package org.ebpf4j.kernel.helpers;

/**
 * What the "current task" helpers read of the task a program runs on behalf of
 * ({@code current} in the kernel): ids as seen from the initial namespaces, and {@code comm}.
 *
 * @param pid  thread id ({@code task->pid})
 * @param tgid process id ({@code task->tgid})
 * @param uid  {@code from_kuid(&init_user_ns, current_uid())}
 * @param gid  {@code from_kgid(&init_user_ns, current_gid())}
 * @param comm the executable name, at most 15 bytes ({@code TASK_COMM_LEN} - 1)
 */
public record TaskIdentity(int pid, int tgid, int uid, int gid, String comm) {
    /** {@code TASK_COMM_LEN}. */
    public static final int TASK_COMM_LEN = 16;

    public TaskIdentity {
        comm = comm == null ? "" : comm;
        if (comm.length() >= TASK_COMM_LEN) {
            comm = comm.substring(0, TASK_COMM_LEN - 1);   // set_task_comm truncates
        }
    }
}
