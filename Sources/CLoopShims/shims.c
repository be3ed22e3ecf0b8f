#define _GNU_SOURCE
#include "CLoopShims.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

int loop_set_parent_death_signal(int signal) {
#ifdef __linux__
    return prctl(PR_SET_PDEATHSIG, signal, 0, 0, 0);
#else
    (void)signal;
    return -1;
#endif
}

#if defined(__linux__) && defined(__GLIBC__)
#include <malloc.h>
#endif

int loop_use_one_malloc_arena(void) {
#if defined(__linux__) && defined(__GLIBC__)
    return mallopt(M_ARENA_MAX, 1) == 1 ? 0 : -1;
#else
    return -1;
#endif
}

int loop_pipe_cloexec(int fds[2]) {
#ifdef __linux__
    return pipe2(fds, O_CLOEXEC);
#else
    if (pipe(fds) != 0) return -1;
    (void)fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    (void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
#endif
}

int loop_spawn(int *pid, const char *path, char *const argv[], char *const envp[], const char *directory,
               int stdin_fd, int stdout_fd, int stderr_fd, int fd3, int new_session) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) return rc;
    rc = posix_spawnattr_init(&attributes);
    if (rc != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return rc;
    }
    // dup2 onto 0, 1, 2 clears close-on-exec on the copies; the originals (ours, close-on-exec)
    // are gone at exec.
    if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0);
    if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
    if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2);
    // A descriptor already numbered 3 is copied away first: dup2 onto itself would keep its
    // close-on-exec flag on some C libraries.
    int moved = -1;
    if (rc == 0 && fd3 == 3) {
        moved = fcntl(fd3, F_DUPFD_CLOEXEC, 10);
        if (moved < 0) rc = errno;
        fd3 = moved;
    }
    if (rc == 0 && fd3 >= 0) rc = posix_spawn_file_actions_adddup2(&actions, fd3, 3);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    // Descriptors another part of the process opened without close-on-exec stay ours.
    if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions, fd3 >= 0 ? 4 : 3);
#endif
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 29))
    if (rc == 0 && directory != NULL) rc = posix_spawn_file_actions_addchdir_np(&actions, directory);
#else
    if (rc == 0 && directory != NULL) rc = ENOSYS;
#endif
    sigset_t none, every;
    sigemptyset(&none);
    sigfillset(&every);
    // SIGKILL and SIGSTOP have no disposition to reset, and some C libraries fail the spawn
    // when asked to.
    sigdelset(&every, SIGKILL);
    sigdelset(&every, SIGSTOP);
    // The PM ignores SIGPIPE and blocks signals on some threads; the child gets neither.
    if (rc == 0) rc = posix_spawnattr_setsigmask(&attributes, &none);
    if (rc == 0) rc = posix_spawnattr_setsigdefault(&attributes, &every);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (new_session) {
#ifdef POSIX_SPAWN_SETSID
        flags |= POSIX_SPAWN_SETSID;
#else
        if (rc == 0) rc = ENOSYS;
#endif
    }
    if (rc == 0) rc = posix_spawnattr_setflags(&attributes, flags);
    pid_t child = 0;
    if (rc == 0) rc = posix_spawn(&child, path, &actions, &attributes, argv, envp);
    if (rc == 0) *pid = (int)child;
    if (moved >= 0) close(moved);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}
