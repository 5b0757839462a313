/*
 * fannkuchredux.c - the Benchmarks Game "fannkuch-redux" benchmark, for
 * wasmbench.
 *
 * For every permutation of {1..n}: while the first element k is not 1,
 * reverse the first k elements and count one flip.  Report the largest flip
 * count and a checksum.
 *
 * Benchmarks Game rules followed:
 *   - all n! permutations are visited in the benchmark's fixed order, produced
 *     by the count[]-rotation scheme (rotate the first r items left by one,
 *     decrement count[r], move to r + 1 when count[r] reaches zero);
 *   - checksum = sum of flip counts of even-indexed permutations minus sum of
 *     flip counts of odd-indexed permutations, in that order;
 *   - output: "<checksum>\nPfannkuchen(<n>) = <maxflips>\n".
 * Elements are stored 0-based internally, so "first element is 1" is tested
 * as perm[0] == 0.
 *
 * Usage: fannkuchredux N   (N: integer, 1 <= N <= 16; official sizes 7 / 12)
 * Portable C99, single-threaded, standard library only.
 */
#include <stdio.h>
#include <stdlib.h>

#include "single_arg.h"

#define MAX_N 16

int main(int argc, char **argv)
{
    int n = (int)parse_single_arg(argc, argv, 1, MAX_N, "fannkuchredux", "number of elements");
    int perm1[MAX_N]; /* current permutation, in generation order */
    int perm[MAX_N];  /* working copy that gets flipped */
    int count[MAX_N]; /* rotation counters */
    long long checksum = 0;
    int max_flips = 0;
    int odd = 0; /* parity of the permutation index */
    int r = n;
    int i;

    for (i = 0; i < n; i++) {
        perm1[i] = i;
    }

    for (;;) {
        /* Reset the counters below r. */
        while (r != 1) {
            count[r - 1] = r;
            r--;
        }

        /* Count the flips of the current permutation. */
        if (perm1[0] != 0) {
            int flips = 0;
            int k;

            for (i = 0; i < n; i++) {
                perm[i] = perm1[i];
            }
            while ((k = perm[0]) != 0) {
                int lo = 0;
                int hi = k;
                while (lo < hi) {
                    int t = perm[lo];
                    perm[lo] = perm[hi];
                    perm[hi] = t;
                    lo++;
                    hi--;
                }
                flips++;
            }
            if (flips > max_flips) {
                max_flips = flips;
            }
            checksum += odd ? -flips : flips;
        }

        /* Advance to the next permutation. */
        for (;;) {
            int first;

            if (r == n) {
                printf("%lld\nPfannkuchen(%d) = %d\n", checksum, n, max_flips);
                if (fflush(stdout) != 0 || ferror(stdout)) {
                    fprintf(stderr, "fannkuchredux: error writing output\n");
                    return 1;
                }
                return 0;
            }
            first = perm1[0];
            for (i = 0; i < r; i++) {
                perm1[i] = perm1[i + 1];
            }
            perm1[r] = first;

            count[r]--;
            if (count[r] > 0) {
                break;
            }
            r++;
        }
        odd = !odd;
    }
}
