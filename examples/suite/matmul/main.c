/* matmul: multiplies two N x N matrices of doubles and prints the product's trace; the CPU time
 * it took goes to stderr (clock(): under WASI it needs the emulated process clocks, which the
 * manifest links for the wasm32-wasi build only). Usage: matmul N. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "matrix.h"

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 100;
    if (n < 1) {
        fprintf(stderr, "matmul: N must be at least 1\n");
        return 1;
    }
    Matrix a = matrix_new(n), b = matrix_new(n), product = matrix_new(n);
    matrix_fill(a, 1);
    matrix_fill(b, 2);
    clock_t start = clock();
    matrix_multiply(a, b, product);
    fprintf(stderr, "matmul: %.3f s of CPU\n", (double)(clock() - start) / CLOCKS_PER_SEC);
    printf("trace of the %dx%d product: %.6f\n", n, n, matrix_trace(product));
    matrix_free(a);
    matrix_free(b);
    matrix_free(product);
    return 0;
}
