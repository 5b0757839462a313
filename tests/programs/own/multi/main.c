/* Two C files and a header: the sum of the squares of 1..N, computed in the other file. */
#include <stdio.h>
#include <stdlib.h>

#include "squares.h"

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 10;
    printf("sum of squares 1..%ld = %lld\n", n, sum_of_squares(n));
    return 0;
}
