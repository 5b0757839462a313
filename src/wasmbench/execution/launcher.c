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
 * Usage: launcher TIMEOUT_MS PROGRAM [ARGS...]
 * The program inherits the launcher's stdin, stdout, stderr, working directory and environment.
 * The report goes to file descriptor 3 as one line:
 *   WALL_NS USER_US SYS_US MAX_RSS_KIB EXIT_CODE(-1 if signalled) SIGNAL(0 if none) TIMED_OUT
 * If the program cannot be started it exits 127 with the reason on stderr. A SIGTERM, SIGINT or
 * SIGHUP to the launcher kills the program's group first; if the launcher dies anyway, the
 * program gets SIGKILL (PR_SET_PDEATHSIG).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    wait4(child, &status, 0, &usage);
    fprintf(report, "%lld %lld %lld %ld %d %d %d\n", end - start, micros(usage.ru_utime),
            micros(usage.ru_stime), usage.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
            WIFSIGNALED(status) ? WTERMSIG(status) : 0, timed_out);
    return fclose(report) == 0 ? 0 : 2;
}
