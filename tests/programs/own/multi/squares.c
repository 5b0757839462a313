#include "squares.h"

long long sum_of_squares(long n) {
    long long sum = 0;
    for (long i = 1; i <= n; i++) sum += (long long)i * i;
    return sum;
}
