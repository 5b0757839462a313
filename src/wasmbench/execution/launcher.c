/*
 * launcher.c - start one program and measure it from a small process.
 *
 * Why not from Python directly: a child's peak RSS (ru_maxrss) includes the peak of the memory
 * image it was exec'd from, so a program spawned by the harness would report at least the
 * Python interpreter's footprint. This launcher is small: it forks the program (which gets a
 * fresh accounting that starts from the launcher's own ~1 MB), times it with CLOCK_MONOTONIC from
 * just before the fork to the SIGCHLD, kills its process group at the timeout, and reports
 * wait4's rusage.
 *
 * Nothing the program starts outlives its run. The launcher is a child subreaper
 * (PR_SET_CHILD_SUBREAPER): every process the program leaves behind - in its process group, or in
 * a session of its own (setsid), however deep - is re-parented to the launcher rather than to
 * init, so it stays among the launcher's descendants, where /proc finds it. When the program has
 * ended they are killed (SIGKILL), again until none is left (one may fork as it dies), and reaped;
 * those still running after the program exited on its own are counted as strays. (At the timeout
 * everything is killed and nothing counted: the run is a timeout.)
 *
 * Usage: launcher TIMEOUT_MS PROGRAM [ARGS...]
 * The program inherits the launcher's stdin, stdout, stderr, working directory and environment.
 * The report goes to file descriptor 3 as one line:
 *   WALL_NS USER_US SYS_US MAX_RSS_KIB EXIT_CODE(-1 if signalled) SIGNAL(0 if none) TIMED_OUT STRAYS
 * If the program cannot be started it exits 127 with the reason on stderr. A SIGTERM, SIGINT or
 * SIGHUP to the launcher kills the program's group and its other descendants first; if the
 * launcher dies anyway, the program gets SIGKILL (PR_SET_PDEATHSIG).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static long long micros(struct timeval t)
{
    return t.tv_sec * 1000000LL + t.tv_usec;
}

static void start_program(char **program, const sigset_t *mask, pid_t launcher)
{
    sigprocmask(SIG_SETMASK, mask, NULL);
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != launcher) {
        _exit(127); /* the launcher died before the line above took effect */
    }
    execv(program[0], program);
    fprintf(stderr, "cannot start %s: %s\n", program[0], strerror(errno));
    _exit(127);
}

struct process {
    pid_t pid, parent;
    char state; /* as /proc/PID/stat shows it: Z (zombie) and X (dead) no longer run */
    int descendant;
};

/* Every process /proc lists now, into *table (grown as needed); returns how many. */
static size_t list_processes(struct process **table, size_t *capacity)
{
    DIR *proc = opendir("/proc");
    struct dirent *entry;
    size_t count = 0;

    if (proc == NULL) {
        return 0;
    }
    while ((entry = readdir(proc)) != NULL) {
        char path[64], line[512], *after_name;
        FILE *stat;
        struct process process = {0};

        if (!isdigit((unsigned char)entry->d_name[0])) {
            continue;
        }
        snprintf(path, sizeof path, "/proc/%s/stat", entry->d_name);
        if ((stat = fopen(path, "r")) == NULL) {
            continue; /* it has just gone */
        }
        /* "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, so parse after the last ')' */
        after_name = fgets(line, sizeof line, stat) ? strrchr(line, ')') : NULL;
        fclose(stat);
        if (after_name == NULL || sscanf(after_name + 1, " %c %d", &process.state, &process.parent) != 2) {
            continue;
        }
        process.pid = (pid_t)atoi(entry->d_name);
        if (count == *capacity) {
            size_t larger = *capacity ? 2 * *capacity : 256;
            struct process *grown = realloc(*table, larger * sizeof **table);
            if (grown == NULL) {
                break;
            }
            *table = grown;
            *capacity = larger;
        }
        (*table)[count++] = process;
    }
    closedir(proc);
    return count;
}

static int is_marked(const struct process *table, size_t count, pid_t pid)
{
    for (size_t i = 0; i < count; i++) {
        if (table[i].pid == pid) {
            return table[i].descendant;
        }
    }
    return 0;
}

/* Mark the launcher's descendants in the table: its children, their children, and so on. */
static void mark_descendants(struct process *table, size_t count, pid_t launcher)
{
    int marked_more = 1;

    while (marked_more) {
        marked_more = 0;
        for (size_t i = 0; i < count; i++) {
            if (!table[i].descendant &&
                (table[i].parent == launcher || is_marked(table, count, table[i].parent))) {
                table[i].descendant = marked_more = 1;
            }
        }
    }
}

/*
 * Kill every descendant of the launcher but `program` (which the caller reaps, for its rusage),
 * until none is left, reaping those that end up as the launcher's children; returns how many
 * distinct processes were still running when found.
 */
static size_t end_descendants(pid_t launcher, pid_t program)
{
    struct process *table = NULL;
    size_t capacity = 0, strays = 0, stray_capacity = 0;
    pid_t *stray = NULL;
    const struct timespec moment = {0, 1000000};

    for (;;) {
        size_t count = list_processes(&table, &capacity);
        int left = 0;

        mark_descendants(table, count, launcher);
        for (size_t i = 0; i < count; i++) {
            struct process *process = &table[i];
            size_t known = 0;

            if (!process->descendant || process->pid == program) {
                continue;
            }
            left = 1;
            if (process->state == 'Z' || process->state == 'X') {
                if (process->parent == launcher) {
                    waitpid(process->pid, NULL, WNOHANG);
                }
                continue;
            }
            kill(process->pid, SIGKILL);
            while (known < strays && stray[known] != process->pid) {
                known++;
            }
            if (known == strays) { /* not seen before: one more stray */
                if (strays == stray_capacity) {
                    stray_capacity = stray_capacity ? 2 * stray_capacity : 16;
                    stray = realloc(stray, stray_capacity * sizeof *stray);
                    if (stray == NULL) {
                        abort();
                    }
                }
                stray[strays++] = process->pid;
            }
        }
        if (!left) {
            break;
        }
        nanosleep(&moment, NULL); /* let the killed exit (and their children be re-parented) */
    }
    free(table);
    free(stray);
    return strays;
}

/* Wait for the child to exit (return 0) or the deadline to pass (return 1). */
static int wait_for_exit(pid_t child, const sigset_t *signals, long long deadline)
{
    for (;;) {
        long long left = deadline - now_ns();
        struct timespec wait;
        siginfo_t info;
        int signal_number;

        if (left <= 0) {
            return 1;
        }
        wait.tv_sec = left / 1000000000LL;
        wait.tv_nsec = left % 1000000000LL;
        signal_number = sigtimedwait(signals, NULL, &wait);
        if (signal_number == SIGCHLD) {
            memset(&info, 0, sizeof info);
            if (waitid(P_PID, child, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == child) {
                return 0;
            }
        } else if (signal_number > 0) { /* asked to stop: take the program down with us */
            kill(-child, SIGKILL);
            end_descendants(getpid(), child);
            waitpid(child, NULL, 0);
            exit(128 + signal_number);
        } else if (errno == EAGAIN) {
            return 1;
        }
    }
}

int main(int argc, char **argv)
{
    sigset_t signals, original;
    FILE *report;
    long long timeout_ms, start, end;
    struct rusage usage;
    int status, timed_out;
    size_t strays;
    pid_t child, launcher = getpid();

    if (argc < 3 || (timeout_ms = atoll(argv[1])) <= 0) {
        fprintf(stderr, "usage: launcher TIMEOUT_MS PROGRAM [ARGS...] (report on fd 3)\n");
        return 2;
    }
    report = fdopen(3, "w");
    if (report == NULL || fcntl(3, F_SETFD, FD_CLOEXEC) != 0) {
        fprintf(stderr, "launcher: file descriptor 3 must be open for the report\n");
        return 2;
    }
    sigemptyset(&signals);
    sigaddset(&signals, SIGCHLD);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    sigprocmask(SIG_BLOCK, &signals, &original);
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        fprintf(stderr, "launcher: cannot become a child subreaper: %s\n", strerror(errno));
        return 2;
    }

    start = now_ns();
    child = fork();
    if (child == 0) {
        start_program(argv + 2, &original, launcher);
    }
    if (child < 0) {
        fprintf(stderr, "launcher: fork failed: %s\n", strerror(errno));
        return 2;
    }
    setpgid(child, child); /* also done by the child: whichever runs first */
    timed_out = wait_for_exit(child, &signals, start + timeout_ms * 1000000LL);
    end = now_ns();
    if (timed_out) {
        kill(-child, SIGKILL);
    }
    strays = end_descendants(launcher, child);
    wait4(child, &status, 0, &usage);
    fprintf(report, "%lld %lld %lld %ld %d %d %d %zu\n", end - start, micros(usage.ru_utime),
            micros(usage.ru_stime), usage.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
            WIFSIGNALED(status) ? WTERMSIG(status) : 0, timed_out, timed_out ? 0 : strays);
    return fclose(report) == 0 ? 0 : 2;
}
