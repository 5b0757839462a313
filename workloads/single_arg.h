/*
 * single_arg.h - the one command-line argument every Benchmarks Game program takes.
 *
 * Each program accepts exactly one integer N in [min, max]; anything else prints a usage
 * message naming the program and what N means, and exits with status 2.
 */
#ifndef WASMBENCH_SINGLE_ARG_H
#define WASMBENCH_SINGLE_ARG_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static long parse_single_arg(int argc, char **argv, long min, long max,
                             const char *program, const char *meaning)
{
    char *end;
    long v;

    if (argc == 2) {
        errno = 0;
        v = strtol(argv[1], &end, 10);
        if (errno == 0 && end != argv[1] && *end == '\0' && v >= min && v <= max) {
            return v;
        }
    }
    fprintf(stderr, "usage: %s N\n  N: %s, an integer in [%ld, %ld]\n", program, meaning, min, max);
    exit(2);
}

#endif
