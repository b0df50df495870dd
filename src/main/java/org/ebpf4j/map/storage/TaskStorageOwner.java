package org.ebpf4j.map.storage;

/**
 * A task as TASK_STORAGE sees it ({@code task->bpf_storage}, kernel/bpf/bpf_task_storage.c).
 * Storage is freed when the task_struct is put ({@code bpf_task_storage_free}), not at exit.
 */
public interface TaskStorageOwner extends StorageOwner {}
