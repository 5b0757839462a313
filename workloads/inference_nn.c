/*
 * inference_nn.c - inference.c's image classification with the network run
 * by the host through WASI-NN, for wasmbench.
 *
 * The same command line and output as inference.c, the same files and the same
 * code around the network (inference_common.h: PPM reading, bilinear resize,
 * ImageNet normalisation, softmax, top-5, sentence). Only the network differs:
 * instead of computing MobileNetV2 itself, the module loads the OpenVINO IR of
 * the same folded weights (MODEL.xml and MODEL.bin, where MODEL is the WEIGHTS
 * argument without its suffix: mobilenet_v2.weights -> mobilenet_v2.xml and
 * mobilenet_v2.bin, made by wasmbench's build step beside it) through the
 * WASI-NN preview1 imports (module "wasi_ephemeral_nn", as wasmtime's
 * `-S nn` provides them) and has the host's OpenVINO run it on the CPU: one
 * f32 [1, 3, SIZE, SIZE] image in, the class logits out.
 *
 * The host may compute in lower precision (OpenVINO uses bf16 on CPUs that
 * have it), so the probabilities can differ slightly from inference.c's;
 * the classes should not.
 *
 * Usage: inference_nn WEIGHTS LABELS SIZE IMAGE.ppm [IMAGE.ppm ...]
 * A WebAssembly program only (wasm32-wasi): it needs the host's WASI-NN.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "inference_nn";

#include "inference_common.h"

#ifndef __wasm__
#error "inference_nn.c is a WebAssembly program: the network runs in the host, through WASI-NN"
#endif

/* The WASI-NN preview1 ABI (wasi-nn.witx, module wasi_ephemeral_nn): lists are (pointer, length)
 * pairs, records are passed by pointer, results are written through pointers, and every function
 * returns an nn_errno (0: success). */
enum { ENCODING_OPENVINO = 0, TARGET_CPU = 0, TENSOR_F32 = 1 };

struct nn_bytes {
    const uint8_t *data;
    uint32_t size;
};

struct nn_tensor {
    const uint32_t *dimensions;
    uint32_t rank;
    uint8_t type;
    const uint8_t *data;
    uint32_t size;
};

#define WASI_NN(name) __attribute__((import_module("wasi_ephemeral_nn"), import_name(name)))
WASI_NN("load")
int32_t nn_load(const struct nn_bytes *builders, uint32_t count, uint32_t encoding, uint32_t target,
                uint32_t *graph);
WASI_NN("init_execution_context") int32_t nn_init_execution_context(uint32_t graph, uint32_t *context);
WASI_NN("set_input") int32_t nn_set_input(uint32_t context, uint32_t index, const struct nn_tensor *tensor);
WASI_NN("compute") int32_t nn_compute(uint32_t context);
WASI_NN("get_output")
int32_t nn_get_output(uint32_t context, uint32_t index, uint8_t *buffer, uint32_t capacity, uint32_t *written);

static void check(int32_t error, const char *call) {
    static const char *const names[] = {"success",        "invalid argument", "invalid encoding",
                                        "missing memory", "busy",             "runtime error",
                                        "unsupported operation", "too large", "not found"};
    if (error)
        fail("wasi-nn %s failed: error %d (%s)", call, (int)error,
             error > 0 && error < (int32_t)(sizeof names / sizeof *names) ? names[error] : "unknown");
}

/* `path` with its suffix (from the last '.' of its last component) replaced by `suffix`. */
static char *sibling(const char *path, const char *suffix) {
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - path) : strlen(path);
    char *name = allocate(stem + strlen(suffix) + 1, 1);
    memcpy(name, path, stem);
    strcpy(name + stem, suffix);
    return name;
}

/* Hand the IR (graph, then weights) to the host and make an execution context for it. */
static uint32_t load_graph(const char *weights) {
    char *xml = sibling(weights, ".xml"), *bin = sibling(weights, ".bin");
    struct nn_bytes builders[2];
    size_t length;
    uint32_t graph, context;
    builders[0].data = read_file(xml, &length);
    builders[0].size = (uint32_t)length;
    builders[1].data = read_file(bin, &length);
    builders[1].size = (uint32_t)length;
    check(nn_load(builders, 2, ENCODING_OPENVINO, TARGET_CPU, &graph), "load");
    check(nn_init_execution_context(graph, &context), "init_execution_context");
    free((void *)builders[0].data);
    free((void *)builders[1].data);
    free(xml);
    free(bin);
    return context;
}

/* Run the network on one preprocessed image; the logits go to `logits`, their count is returned. */
static uint32_t run_graph(uint32_t context, const float *image, uint32_t size, float *logits) {
    const uint32_t dimensions[4] = {1, 3, size, size};
    struct nn_tensor input;
    uint32_t written;
    input.dimensions = dimensions;
    input.rank = 4;
    input.type = TENSOR_F32;
    input.data = (const uint8_t *)image;
    input.size = (uint32_t)(3 * sizeof(float) * size * size);
    check(nn_set_input(context, 0, &input), "set_input");
    check(nn_compute(context), "compute");
    check(nn_get_output(context, 0, (uint8_t *)logits, MAX_CLASSES * sizeof(float), &written), "get_output");
    if (written % sizeof(float) || written == 0) fail("wasi-nn returned %u bytes, not float32 logits", written);
    return written / sizeof(float);
}

int main(int argc, char **argv) {
    char **labels = NULL;
    float *image, *logits;
    uint32_t size, context, classes = 0, count;
    int i;
    size = parse_command_line(argc, argv);
    context = load_graph(argv[1]);
    image = allocate((size_t)3 * size * size, sizeof(float));
    logits = allocate(MAX_CLASSES, sizeof(float));
    for (i = 4; i < argc; i++) {
        struct image photo = load_ppm(argv[i]);
        preprocess(&photo, size, image);
        count = run_graph(context, image, size, logits);
        if (!labels) labels = load_labels(argv[2], classes = count);
        if (count != classes) fail("the model returned %u classes, then %u", classes, count);
        classify(argv[i], logits, classes, labels, size, &photo);
        free(photo.rgb);
    }
    return 0;
}
