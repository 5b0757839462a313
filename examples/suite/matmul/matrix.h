/* A square matrix of doubles, row-major. */
#ifndef MATRIX_H
#define MATRIX_H

typedef struct {
    int n;
    double *cells;
} Matrix;

Matrix matrix_new(int n);
void matrix_fill(Matrix m, unsigned seed);
void matrix_multiply(Matrix a, Matrix b, Matrix out);
double matrix_trace(Matrix m);
void matrix_free(Matrix m);

#endif
