/* The long-lived process of wasmbench's `docker:exec` containers: it waits, doing nothing, so the
 * measured programs can be started beside it with `docker exec`. Images are FROM scratch, so
 * there is no shell or sleep to do this job. */
#include <unistd.h>

int main(void) {
    for (;;) {
        pause();
    }
}
