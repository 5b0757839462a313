#ifndef SQUARES_H
#define SQUARES_H

long long sum_of_squares(long n);

#endif
