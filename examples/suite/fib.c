/* fib: the Nth Fibonacci number modulo 2^64, computed by naive recursion (calls and branches).
 * Usage: fib N. Compiled once into fib.wasm, the prebuilt module of this example suite. */
#include <stdio.h>
#include <stdlib.h>

static unsigned long long fib(int n) { return n < 2 ? (unsigned long long)n : fib(n - 1) + fib(n - 2); }

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 20;
    printf("fib(%d) = %llu\n", n, fib(n));
    return 0;
}
