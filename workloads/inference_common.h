/*
 * inference_common.h - what wasmbench's two image classifiers share, for wasmbench.
 *
 * inference.c runs MobileNetV2 in the program itself; inference_nn.c hands the
 * network to the host through WASI-NN. Everything around the network is this
 * one code, so both read the same files, feed the network the same numbers
 * and print the same way: errors (fail), reading files, the labels file, PPM
 * (P6) images, the bilinear resize and ImageNet normalisation, the softmax
 * with an exp() of its own, the top-5 and the sentence.
 *
 * The including program defines `program` (its name in messages) first.
 * Portable C99, standard library only.
 */
#ifndef INFERENCE_COMMON_H
#define INFERENCE_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CLASSES 100000
#define MAX_IMAGE_SIDE 16384
#define MIN_SIZE 32
#define MAX_SIZE 1024
#define TOP 5

static void fail(const char *format, ...) {
    va_list args;
    fprintf(stderr, "%s: ", program);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    exit(1);
}

static void *allocate(size_t count, size_t size) {
    void *memory = (count && size <= SIZE_MAX / count) ? malloc(count * size) : NULL;
    if (!memory) fail("out of memory (%zu x %zu bytes)", count, size);
    return memory;
}

/* The whole file, or a clear error naming it. */
static unsigned char *read_file(const char *path, size_t *length) {
    FILE *file = fopen(path, "rb");
    size_t capacity = 1 << 16, used = 0, got;
    unsigned char *data;
    if (!file) fail("%s: cannot open: %s", path, strerror(errno));
    data = allocate(capacity, 1);
    while ((got = fread(data + used, 1, capacity - used, file)) > 0) {
        used += got;
        if (used == capacity) {
            unsigned char *bigger = capacity <= SIZE_MAX / 2 ? realloc(data, capacity * 2) : NULL;
            if (!bigger) fail("%s: out of memory reading it", path);
            data = bigger;
            capacity *= 2;
        }
    }
    if (ferror(file)) fail("%s: read error", path);
    fclose(file);
    *length = used;
    return data;
}

/* The command line both programs take, WEIGHTS LABELS SIZE IMAGE.ppm [IMAGE.ppm ...]: the usage and
 * exit status 2 when it is too short; else SIZE, a whole number from MIN_SIZE to MAX_SIZE. */
static uint32_t parse_command_line(int argc, char **argv) {
    char *end;
    long size;
    if (argc < 5) {
        fprintf(stderr, "usage: %s WEIGHTS LABELS SIZE IMAGE.ppm [IMAGE.ppm ...]\n", program);
        exit(2);
    }
    errno = 0;
    size = strtol(argv[3], &end, 10);
    if (errno || *end || size < MIN_SIZE || size > MAX_SIZE)
        fail("SIZE must be a whole number from %d to %d, not %s", MIN_SIZE, MAX_SIZE, argv[3]);
    return (uint32_t)size;
}

/* Class names, one per line; exactly as many as the model has classes. */
static char **load_labels(const char *path, uint32_t classes) {
    size_t length, i, line = 0;
    char *text = (char *)read_file(path, &length);
    char **labels = allocate(classes, sizeof *labels);
    char *start = text;
    for (i = 0; i < length; i++) {
        if (text[i] != '\n') continue;
        if (line == classes) fail("%s: more than %u lines", path, classes);
        text[i] = '\0';
        labels[line++] = start;
        start = text + i + 1;
    }
    if (line != classes || start != text + length)
        fail("%s: %zu complete lines, the model has %u classes", path, line, classes);
    return labels;
}

struct image {
    uint32_t width, height;
    unsigned char *rgb;
};

static int is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static size_t ppm_number(const char *path, const unsigned char *data, size_t length, size_t *at) {
    size_t value = 0, digits = 0;
    while (*at < length) {
        if (data[*at] == '#')
            while (*at < length && data[*at] != '\n') ++*at;
        else if (is_space(data[*at]))
            ++*at;
        else
            break;
    }
    while (*at < length && data[*at] >= '0' && data[*at] <= '9' && digits < 7) {
        value = value * 10 + (size_t)(data[(*at)++] - '0');
        digits++;
    }
    if (!digits || (*at < length && data[*at] >= '0' && data[*at] <= '9'))
        fail("%s: malformed PPM header", path);
    return value;
}

static struct image load_ppm(const char *path) {
    size_t length, at = 2, maxval, pixels;
    unsigned char *data = read_file(path, &length);
    struct image image;
    if (length < 2 || data[0] != 'P' || data[1] != '6') fail("%s: not a binary PPM (P6) image", path);
    image.width = (uint32_t)ppm_number(path, data, length, &at);
    image.height = (uint32_t)ppm_number(path, data, length, &at);
    maxval = ppm_number(path, data, length, &at);
    if (!image.width || !image.height || image.width > MAX_IMAGE_SIDE || image.height > MAX_IMAGE_SIDE)
        fail("%s: unsupported size %ux%u", path, image.width, image.height);
    if (maxval != 255) fail("%s: maximum value %zu, only 255 is supported", path, maxval);
    pixels = (size_t)image.width * image.height;
    if (at >= length || !is_space(data[at]) || length - at - 1 != pixels * 3)
        fail("%s: pixel data is %zu bytes, %ux%u needs %zu", path, at < length ? length - at - 1 : 0,
             image.width, image.height, pixels * 3);
    image.rgb = allocate(pixels, 3);
    memcpy(image.rgb, data + at + 1, pixels * 3);
    free(data);
    return image;
}

/* Where output coordinate i of n samples a source of the given length: the two neighbouring
 * source coordinates and the weight of the second (pixel centres aligned, edges clamped). */
struct tap {
    uint32_t low, high;
    double fraction;
};

static struct tap bilinear_tap(uint32_t i, uint32_t n, uint32_t length) {
    struct tap tap;
    double position = ((double)i + 0.5) * length / n - 0.5;
    position = position < 0 ? 0 : position > length - 1 ? length - 1 : position;
    tap.low = (uint32_t)position;
    tap.high = tap.low + 1 < length ? tap.low + 1 : tap.low;
    tap.fraction = position - tap.low;
    return tap;
}

/* Bilinear resize to size x size, then ImageNet normalisation; output is planar (channel, y, x). */
static void preprocess(const struct image *image, uint32_t size, float *out) {
    static const double mean[3] = {0.485, 0.456, 0.406}, std[3] = {0.229, 0.224, 0.225};
    uint32_t y, x, c;
    for (y = 0; y < size; y++) {
        struct tap row = bilinear_tap(y, size, image->height);
        const unsigned char *upper = image->rgb + (size_t)row.low * image->width * 3;
        const unsigned char *lower = image->rgb + (size_t)row.high * image->width * 3;
        for (x = 0; x < size; x++) {
            struct tap column = bilinear_tap(x, size, image->width);
            size_t left = (size_t)column.low * 3, right = (size_t)column.high * 3;
            for (c = 0; c < 3; c++) {
                double top = upper[left + c] * (1 - column.fraction) + upper[right + c] * column.fraction;
                double bottom = lower[left + c] * (1 - column.fraction) + lower[right + c] * column.fraction;
                double value = top * (1 - row.fraction) + bottom * row.fraction;
                out[((size_t)c * size + y) * size + x] = (float)((value / 255.0 - mean[c]) / std[c]);
            }
        }
    }
}

/* e^x for x <= 0 by range reduction and a Taylor polynomial: the same bits on every target. */
static double exponential(double x) {
    static const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    double k, r, term = 1, sum = 1;
    int i;
    union { double d; uint64_t u; } scale;
    if (x < -700) return 0;
    k = (double)(long)(x / 0.6931471805599453 - 0.5);
    r = (x - k * ln2_hi) - k * ln2_lo;
    for (i = 1; i <= 14; i++) term *= r / i, sum += term;
    scale.u = (uint64_t)((long)k + 1023) << 52;
    return sum * scale.d;
}

static void classify(const char *name, const float *logits, uint32_t classes, char **labels,
                     uint32_t size, const struct image *image) {
    double *probability = allocate(classes, sizeof *probability), max = logits[0], total = 0;
    uint32_t top[TOP], i, r, ranks = classes < TOP ? classes : TOP;
    const char *verdict, *label;
    for (i = 1; i < classes; i++) max = logits[i] > max ? logits[i] : max;
    for (i = 0; i < classes; i++) total += probability[i] = exponential(logits[i] - max);
    for (i = 0; i < classes; i++) probability[i] /= total;
    for (r = 0; r < ranks; r++) {
        top[r] = classes;
        for (i = 0; i < classes; i++) {
            uint32_t k, taken = 0;
            for (k = 0; k < r; k++) taken |= top[k] == i;
            if (!taken && (top[r] == classes || probability[i] > probability[top[r]])) top[r] = i;
        }
    }
    printf("%s (%ux%u, classified at %ux%u)\n", name, image->width, image->height, size, size);
    for (r = 0; r < ranks; r++) printf("  %u. %4u %.6f %s\n", r + 1, top[r], probability[top[r]], labels[top[r]]);
    label = labels[top[0]];
    verdict = probability[top[0]] > 0.75 ? "is very likely" : probability[top[0]] > 0.5 ? "is likely"
            : probability[top[0]] > 0.2 ? "could be" : "does not appear to be";
    printf("It %s %s %s.\n", verdict, strchr("AEIOUaeiou", label[0]) && label[0] ? "an" : "a", label);
    free(probability);
}

#endif
