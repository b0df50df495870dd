/**
 * A minimal filesystem model (fs/namei.c, fs/open.c, fs/inode.c, fs/exec.c in miniature): what BPF
 * sees of files.
 *
 * <p>{@link org.ebpf4j.kernel.fs.Fs} (one per runtime, {@code Runtime.fs()}) holds a tree of
 * directories and regular files of {@link org.ebpf4j.kernel.fs.Inode}s ({@code i_ino},
 * {@code i_nlink}, {@code i_count}); open(2) (O_PATH included) installs a
 * {@link org.ebpf4j.kernel.File.FsFile} naming an {@link org.ebpf4j.kernel.fs.OpenFile}
 * ({@code struct file}, shared by dup'd fds) in the task's fd table; unlink, rename, mkdir and
 * execve ({@code mm->exe_file}) complete it. An inode dies when its last name and last reference
 * are gone, in either order: {@code inode_free_security} then frees its INODE_STORAGE
 * ({@link org.ebpf4j.map.storage.InodeStorageMap}), and its {@code struct inode} mirror (at the
 * model kernel BTF's offsets, resolvable by the storage helpers) goes after a grace period.
 *
 * <p>Whether inodes carry a BPF LSM blob is the runtime option {@code Runtime.Builder.bpfLsm}
 * (default on). The operations call the LSM hooks {@code security_file_open},
 * {@code security_inode_unlink} and {@code security_inode_rename} through
 * {@link org.ebpf4j.kernel.fs.SecurityHooks} with transient {@code struct dentry}/{@code struct file}
 * structs; the runtime wires them to the BPF LSM's trampolines when the BPF LSM is on.
 *
 * <p>Every fd has an inode ({@link org.ebpf4j.kernel.fs.Fs#fileInode}), as on Linux: BPF object fds
 * share the one anon inode, each socket has its sockfs inode, each cgroup directory one kernfs
 * inode (kept while the cgroup exists, then by open fds), each pid one pidfs inode while a pidfd
 * of it is open, and stdio one terminal inode. execve also calls
 * {@code security_bprm_committed_creds} with a transient {@code struct linux_binprm}.
 *
 * <p>Not modelled: permissions and ownership, hard links, symlinks, data, mounts, pipes, the dentry
 * cache as such (dentries exist only while a hook looks at them), stable pidfs inode numbers
 * across a pid's successive inodes (Linux reuses the pid's number; the model numbers each anew).
 */
package org.ebpf4j.kernel.fs;
