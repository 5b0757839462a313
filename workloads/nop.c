/*
 * nop.c - a start-up cost probe for wasmbench.
 *
 * Prints exactly one fixed line, "wasmbench nop\n", and exits with status 0.
 * It does no work and ignores its arguments, so its run time is the cost of
 * starting and stopping a program (process or WebAssembly instance).
 * Not a Benchmarks Game program; no Benchmarks Game rules apply.
 *
 * Usage: nop [ignored arguments...]
 * Portable C99, single-threaded, standard library only.
 */
#include <stdio.h>

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;

    fputs("wasmbench nop\n", stdout);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        return 1;
    }
    return 0;
}
