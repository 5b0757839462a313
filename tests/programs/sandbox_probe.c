/* What a wasm module can see of the host: prints its arguments, how many environment variables
 * it got, whether it can read a file in its working directory and whether it can open paths
 * outside it. A sandboxed run prints "environ 0", "inside yes" and "outside no" twice. */
#include <stdio.h>

extern char **environ;

static const char *can_open(const char *path) {
    FILE *file = fopen(path, "r");
    if (file == NULL) return "no";
    fclose(file);
    return "yes";
}

int main(int argc, char **argv) {
    int count = 0;
    for (char **variable = environ; variable != NULL && *variable != NULL; variable++) count++;
    for (int i = 1; i < argc; i++) printf("arg %s\n", argv[i]);
    printf("environ %d\n", count);
    printf("inside %s\n", can_open("inside.txt"));
    printf("outside %s\n", can_open("/etc/passwd"));
    printf("outside %s\n", can_open("../outside.txt"));
    return argc > 1 && argv[1][0] == 'x' ? 7 : 0;
}
