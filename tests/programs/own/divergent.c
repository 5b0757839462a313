/* Prints where it runs: "native" when built for Linux, "wasm" when built for WebAssembly, so
 * that a check against the native build's output fails in exactly the WebAssembly modes. */
#include <stdio.h>

int main(void) {
#ifdef __wasm__
    puts("wasm");
#else
    puts("native");
#endif
    return 0;
}
