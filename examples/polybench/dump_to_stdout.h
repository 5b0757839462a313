/* PolyBench/C prints its result arrays (-DPOLYBENCH_DUMP_ARRAYS) to stderr; wasmbench validates
 * a program's stdout. Included before each benchmark (-include), this sends the dump to stdout
 * without changing a line of the suite: polybench.h's include guard keeps the benchmark's own
 * #include <polybench.h> from defining the target again. */
#include <stdio.h>
#include "polybench.h"
#undef POLYBENCH_DUMP_TARGET
#define POLYBENCH_DUMP_TARGET stdout
