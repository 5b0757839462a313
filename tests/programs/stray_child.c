/*
 * stray_child.c - a program that leaves a child behind, as a workload that forks and does not wait
 * would: it forks one child that sleeps for five minutes, reports the child's pid, and exits at
 * once.
 *
 * Usage: stray_child group|session MARKER
 *   group    the child stays in the program's process group;
 *   session  the child moves into a session (and process group) of its own with setsid, as a
 *            daemon does, out of reach of a kill of the program's group.
 * The child is a fork, so its command line is the program's: MARKER (unique per test) finds it
 * in /proc, in any PID namespace.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    pid_t child;

    if (argc != 3 || (strcmp(argv[1], "group") != 0 && strcmp(argv[1], "session") != 0)) {
        fprintf(stderr, "usage: stray_child group|session MARKER\n");
        return 2;
    }
    fflush(stdout);
    child = fork();
    if (child < 0) {
        perror("fork");
        return 1;
    }
    if (child == 0) {
        if (strcmp(argv[1], "session") == 0 && setsid() < 0) {
            perror("setsid");
            _exit(1);
        }
        sleep(300);
        _exit(0);
    }
    printf("left child %d behind\n", (int)child);
    return 0;
}
