// LD_PRELOAD library for scripts/gen-order-file: records which 4 KiB pages of the executable's
// code a process runs. Not part of loop.
//
// When PAGETRACE_EXE names this process's executable, the constructor makes the executable's
// code mapping inaccessible; each first touch of a page then faults, and the SIGSEGV handler
// records the page and makes it executable again. At exit, PAGETRACE_DIR/<pid>.txt gets the
// command line and the touched page addresses (hex), one a line.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);
typedef sighandler_t (*signal_fn)(int, sighandler_t);

static uintptr_t lo, hi;
static unsigned char *seen;
static int active;

static void on_fault(int sig, siginfo_t *info, void *context) {
    (void)sig; (void)context;
    uintptr_t address = (uintptr_t)info->si_addr;
    if (active && address >= lo && address < hi) {
        uintptr_t page = address & ~(uintptr_t)4095;
        seen[(page - lo) >> 12] = 1;
        mprotect((void *)page, 4096, PROT_READ | PROT_EXEC);
        return;
    }
    ((signal_fn)dlsym(RTLD_NEXT, "signal"))(SIGSEGV, SIG_DFL);  // a real crash: let it happen
}

__attribute__((constructor)) static void start(void) {
    const char *want = getenv("PAGETRACE_EXE");
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (!want || n <= 0) return;
    exe[n] = 0;
    if (strcmp(exe, want) != 0) return;
    FILE *maps = fopen("/proc/self/maps", "r");
    if (!maps) return;
    char line[8192];
    while (fgets(line, sizeof line, maps)) {
        unsigned long s, e;
        char perm[8], path[4096] = "";
        if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %4095s", &s, &e, perm, path) >= 3 && strcmp(path, exe) == 0
            && perm[2] == 'x') {
            lo = s;
            hi = e;
        }
    }
    fclose(maps);
    if (!hi) return;
    seen = mmap(0, (hi - lo) >> 12, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (seen == MAP_FAILED) return;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fault;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    ((sigaction_fn)dlsym(RTLD_NEXT, "sigaction"))(SIGSEGV, &action, 0);
    active = 1;
    mprotect((void *)lo, hi - lo, PROT_NONE);
}

__attribute__((destructor)) static void finish(void) {
    // Stays active: other threads may still run (and fault) while this one exits the process.
    static int written;
    if (!active || written++) return;
    char path[4200];
    snprintf(path, sizeof path, "%s/%d.txt", getenv("PAGETRACE_DIR") ? getenv("PAGETRACE_DIR") : "/tmp", getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return;
    char argv[8192];
    int cmdline = open("/proc/self/cmdline", O_RDONLY);
    ssize_t n = cmdline < 0 ? 0 : read(cmdline, argv, sizeof argv - 1);
    if (cmdline >= 0) close(cmdline);
    for (ssize_t i = 0; i < n; i++)
        if (!argv[i]) argv[i] = ' ';
    dprintf(fd, "# %.*s\n", (int)(n > 0 ? n : 0), argv);
    for (uintptr_t i = 0; i < (hi - lo) >> 12; i++)
        if (seen[i]) dprintf(fd, "%lx\n", (unsigned long)(lo + (i << 12)));
    close(fd);
}

// Code that resets every signal to SIG_DFL through signal() in a forked child before exec (as
// swift-subprocess's fork shim did, which loop used before it started children with posix_spawn)
// must leave the tracer's SIGSEGV handler, or the child dies at its first touch of a page.
sighandler_t signal(int number, sighandler_t handler) {
    if (active && number == SIGSEGV) return SIG_DFL;
    return ((signal_fn)dlsym(RTLD_NEXT, "signal"))(number, handler);
}

int sigaction(int number, const struct sigaction *action, struct sigaction *old) {
    if (active && number == SIGSEGV && action) return 0;
    return ((sigaction_fn)dlsym(RTLD_NEXT, "sigaction"))(number, action, old);
}
