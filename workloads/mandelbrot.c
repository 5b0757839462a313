/*
 * mandelbrot.c - the Benchmarks Game "mandelbrot" benchmark, for wasmbench.
 *
 * Plots the Mandelbrot set over [-1.5-i, 0.5+i] on an N x N bitmap and
 * writes it to stdout as a binary portable bitmap (PBM, "P4").
 *
 * Benchmarks Game rules followed:
 *   - pixel (x, y) maps to Cr = 2.0*x/N - 1.5, Ci = 2.0*y/N - 1.0;
 *   - z <- z^2 + c is iterated at most 50 times, stopping early once
 *     |z|^2 > 4.0; the pixel is 1 (in the set) if |z|^2 <= 4.0 afterwards;
 *   - the arithmetic is the same as the reference C programs
 *     (Zi = 2*Zr*Zi + Ci; Zr = Tr - Ti + Cr; Tr = Zr*Zr; Ti = Zi*Zi), in
 *     double precision, so the output matches byte for byte (build with
 *     -ffp-contract=off so no FMA contraction changes the rounding);
 *   - output: header "P4\n<N> <N>\n", then N rows packed 8 pixels per byte,
 *     first pixel in the most significant bit, the last byte of a row padded
 *     with zero bits.
 * Rows are written with fwrite() through a large, fully buffered stdout.
 *
 * Usage: mandelbrot N      (N: integer, 1 <= N <= 100000; official 200 / 16000)
 * Portable C99, single-threaded, standard library only.
 */
#include <stdio.h>
#include <stdlib.h>

#include "single_arg.h"

#define MAX_N 100000L
#define MAX_ITER 50
#define LIMIT_SQ 4.0
#define OUT_BUFSIZE (1 << 16)

int main(int argc, char **argv)
{
    int n = (int)parse_single_arg(argc, argv, 1, MAX_N, "mandelbrot", "image width and height");
    size_t row_bytes = ((size_t)n + 7) / 8;
    unsigned char *row;
    int x, y;

    /* Full buffering: the bitmap is binary, so line buffering would be
     * both wrong-headed and slow. */
    setvbuf(stdout, NULL, _IOFBF, OUT_BUFSIZE);

    row = malloc(row_bytes);
    if (row == NULL) {
        fprintf(stderr, "mandelbrot: out of memory\n");
        return 1;
    }

    printf("P4\n%d %d\n", n, n);

    for (y = 0; y < n; y++) {
        double ci = 2.0 * y / n - 1.0;
        unsigned int byte_acc = 0;
        int bit_num = 0;
        size_t pos = 0;

        for (x = 0; x < n; x++) {
            double cr = 2.0 * x / n - 1.5;
            double zr = 0.0, zi = 0.0, tr = 0.0, ti = 0.0;
            int i;

            for (i = 0; i < MAX_ITER && tr + ti <= LIMIT_SQ; i++) {
                zi = 2.0 * zr * zi + ci;
                zr = tr - ti + cr;
                tr = zr * zr;
                ti = zi * zi;
            }

            byte_acc <<= 1;
            if (tr + ti <= LIMIT_SQ) {
                byte_acc |= 1u;
            }
            bit_num++;

            if (bit_num == 8) {
                row[pos++] = (unsigned char)byte_acc;
                byte_acc = 0;
                bit_num = 0;
            }
        }
        if (bit_num != 0) {
            /* Pad the partial last byte of the row with zero bits. */
            byte_acc <<= (8 - bit_num);
            row[pos++] = (unsigned char)byte_acc;
        }

        if (fwrite(row, 1, row_bytes, stdout) != row_bytes) {
            fprintf(stderr, "mandelbrot: error writing output\n");
            free(row);
            return 1;
        }
    }

    free(row);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "mandelbrot: error writing output\n");
        return 1;
    }
    return 0;
}
