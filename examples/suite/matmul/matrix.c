#include "matrix.h"

#include <stdlib.h>

Matrix matrix_new(int n) {
    Matrix m = {n, calloc((size_t)n * (size_t)n, sizeof(double))};
    return m;
}

/* Deterministic values in [0, 1) from a linear congruential generator. */
void matrix_fill(Matrix m, unsigned seed) {
    for (int i = 0; i < m.n * m.n; i++) {
        seed = seed * 1103515245u + 12345u;
        m.cells[i] = (double)(seed >> 8) / 16777216.0;
    }
}

void matrix_multiply(Matrix a, Matrix b, Matrix out) {
    int n = a.n;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) out.cells[i * n + j] = 0.0;
        for (int k = 0; k < n; k++) {
            double aik = a.cells[i * n + k];
            for (int j = 0; j < n; j++) out.cells[i * n + j] += aik * b.cells[k * n + j];
        }
    }
}

double matrix_trace(Matrix m) {
    double trace = 0.0;
    for (int i = 0; i < m.n; i++) trace += m.cells[i * m.n + i];
    return trace;
}

void matrix_free(Matrix m) { free(m.cells); }
