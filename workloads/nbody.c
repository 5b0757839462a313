/*
 * nbody.c - the Benchmarks Game "n-body" benchmark, for wasmbench.
 *
 * Double-precision simulation of the orbits of the Jovian planets (Sun,
 * Jupiter, Saturn, Uranus, Neptune) with a simple symplectic integrator.
 *
 * Benchmarks Game rules followed:
 *   - the standard initial positions, velocities and masses, with
 *     SOLAR_MASS = 4*pi^2 and DAYS_PER_YEAR = 365.24;
 *   - before starting, the Sun's velocity is set so total momentum is zero;
 *   - each step (dt = 0.01), as in the reference Java program: for every pair
 *     i < j, d = pos_i - pos_j, mag = dt / (|d|^2 * |d|),
 *     v_i -= d * m_j * mag, v_j += d * m_i * mag; then pos += dt * v for
 *     every body;
 *   - energy = sum 0.5*m*|v|^2 - sum_{i<j} m_i*m_j/|pos_i - pos_j|, printed
 *     before and after N steps with "%.9f\n".
 * Build with -ffp-contract=off so no FMA contraction changes the rounding.
 *
 * Usage: nbody N    (N: steps, 0 <= N <= 2000000000; official 1000 / 50000000)
 * Portable C99, single-threaded, standard library only.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "single_arg.h"

#define PI 3.141592653589793
#define SOLAR_MASS (4.0 * PI * PI)
#define DAYS_PER_YEAR 365.24
#define N_BODIES 5
#define DT 0.01
#define MAX_STEPS 2000000000L

typedef struct body {
    double x, y, z;
    double vx, vy, vz;
    double mass;
} body;

static body bodies[N_BODIES] = {
    /* sun */
    {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, SOLAR_MASS},
    /* jupiter */
    {4.84143144246472090e+00, -1.16032004402742839e+00,
     -1.03622044471123109e-01, 1.66007664274403694e-03 * DAYS_PER_YEAR,
     7.69901118419740425e-03 * DAYS_PER_YEAR,
     -6.90460016972063023e-05 * DAYS_PER_YEAR,
     9.54791938424326609e-04 * SOLAR_MASS},
    /* saturn */
    {8.34336671824457987e+00, 4.12479856412430479e+00,
     -4.03523417114321381e-01, -2.76742510726862411e-03 * DAYS_PER_YEAR,
     4.99852801234917238e-03 * DAYS_PER_YEAR,
     2.30417297573763929e-05 * DAYS_PER_YEAR,
     2.85885980666130812e-04 * SOLAR_MASS},
    /* uranus */
    {1.28943695621391310e+01, -1.51111514016986312e+01,
     -2.23307578892655734e-01, 2.96460137564761618e-03 * DAYS_PER_YEAR,
     2.37847173959480950e-03 * DAYS_PER_YEAR,
     -2.96589568540237556e-05 * DAYS_PER_YEAR,
     4.36624404335156298e-05 * SOLAR_MASS},
    /* neptune */
    {1.53796971148509165e+01, -2.59193146099879641e+01,
     1.79258772950371181e-01, 2.68067772490389322e-03 * DAYS_PER_YEAR,
     1.62824170038242295e-03 * DAYS_PER_YEAR,
     -9.51592254519715870e-05 * DAYS_PER_YEAR,
     5.15138902046611451e-05 * SOLAR_MASS},
};

static void offset_momentum(body *b, int nb)
{
    double px = 0.0, py = 0.0, pz = 0.0;
    int i;

    for (i = 0; i < nb; i++) {
        px += b[i].vx * b[i].mass;
        py += b[i].vy * b[i].mass;
        pz += b[i].vz * b[i].mass;
    }
    b[0].vx = -px / SOLAR_MASS;
    b[0].vy = -py / SOLAR_MASS;
    b[0].vz = -pz / SOLAR_MASS;
}

static double energy(const body *b, int nb)
{
    double e = 0.0;
    int i, j;

    for (i = 0; i < nb; i++) {
        const body *bi = &b[i];
        e += 0.5 * bi->mass *
             (bi->vx * bi->vx + bi->vy * bi->vy + bi->vz * bi->vz);
        for (j = i + 1; j < nb; j++) {
            const body *bj = &b[j];
            double dx = bi->x - bj->x;
            double dy = bi->y - bj->y;
            double dz = bi->z - bj->z;
            double distance = sqrt(dx * dx + dy * dy + dz * dz);
            e -= (bi->mass * bj->mass) / distance;
        }
    }
    return e;
}

static void advance(body *b, int nb, double dt)
{
    int i, j;

    for (i = 0; i < nb; i++) {
        body *bi = &b[i];
        for (j = i + 1; j < nb; j++) {
            body *bj = &b[j];
            double dx = bi->x - bj->x;
            double dy = bi->y - bj->y;
            double dz = bi->z - bj->z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double distance = sqrt(d2);
            double mag = dt / (d2 * distance);

            bi->vx -= dx * bj->mass * mag;
            bi->vy -= dy * bj->mass * mag;
            bi->vz -= dz * bj->mass * mag;
            bj->vx += dx * bi->mass * mag;
            bj->vy += dy * bi->mass * mag;
            bj->vz += dz * bi->mass * mag;
        }
    }
    for (i = 0; i < nb; i++) {
        b[i].x += dt * b[i].vx;
        b[i].y += dt * b[i].vy;
        b[i].z += dt * b[i].vz;
    }
}

int main(int argc, char **argv)
{
    long steps = parse_single_arg(argc, argv, 0, MAX_STEPS, "nbody", "number of time steps");
    long i;

    offset_momentum(bodies, N_BODIES);
    printf("%.9f\n", energy(bodies, N_BODIES));
    for (i = 0; i < steps; i++) {
        advance(bodies, N_BODIES, DT);
    }
    printf("%.9f\n", energy(bodies, N_BODIES));

    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "nbody: error writing output\n");
        return 1;
    }
    return 0;
}
