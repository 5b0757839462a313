/* Reads the file argv[1] from its working directory, prints its size in bytes, and exits with
 * the status argv[2]: an input file staged for the run, and an expected exit status not 0. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc < 3) return 64;
    FILE *file = fopen(argv[1], "rb");
    if (file == NULL) {
        perror(argv[1]);
        return 66;
    }
    long bytes = 0;
    while (fgetc(file) != EOF) bytes++;
    fclose(file);
    printf("%s: %ld bytes\n", argv[1], bytes);
    return atoi(argv[2]);
}
