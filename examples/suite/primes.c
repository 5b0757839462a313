/* primes: counts the primes below N with the sieve of Eratosthenes, and sums them.
 * Usage: primes N. Integer and memory work on one byte array of N bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000;
    if (n < 2) {
        printf("0 primes below %ld, sum 0\n", n);
        return 0;
    }
    unsigned char *composite = calloc((size_t)n, 1);
    if (composite == NULL) {
        fprintf(stderr, "primes: cannot allocate %ld bytes\n", n);
        return 1;
    }
    long count = 0;
    unsigned long long sum = 0;
    for (long i = 2; i < n; i++) {
        if (composite[i]) continue;
        count++;
        sum += (unsigned long long)i;
        for (long j = i * i; j < n; j += i) composite[j] = 1;
    }
    printf("%ld primes below %ld, sum %llu\n", count, n, sum);
    free(composite);
    return 0;
}
