/*
 * inference.c - image classification with MobileNetV2, for wasmbench.
 *
 * Reads a weights file (torchvision's ImageNet MobileNetV2 with batch-norm
 * folded into the convolutions, written by wasmbench's build step), a labels
 * file (one class name per line) and PPM (P6) images of any size from the
 * current (for wasm: the preopened) directory. Each image is resized
 * (bilinear, pixel centres aligned, edges clamped) to SIZE x SIZE,
 * normalised with the ImageNet mean and std, and run through the network
 * described by the weights file: 3x3 convolution, 3x3 depthwise
 * convolution, 1x1 convolution, ReLU6, residual add, global average pool,
 * fully connected, softmax. For each image it prints the top-5 classes and
 * one sentence in the seed's style (p > 0.75 "is very likely", > 0.5
 * "is likely", > 0.2 "could be", otherwise "does not appear to be").
 *
 * Weights file (little-endian; see workloads/mobilenet_v2.py):
 *   magic "WBMNV2\0\0", version, layer count, float count, CRC-32 of the rest;
 *   per layer six uint32 (kind, in, out, stride, relu6, residual);
 *   per layer its float32 weights then biases.
 * A file that is truncated, corrupt or inconsistent is rejected with a
 * message on stderr and exit status 1, before any image is classified.
 *
 * Usage: inference WEIGHTS LABELS SIZE IMAGE.ppm [IMAGE.ppm ...]
 * Float32 arithmetic in a fixed order, and an exp() of its own, so native
 * and wasm32-wasi builds (with -ffp-contract=off) print identical bytes.
 * Portable C99, single-threaded, standard library only. What it shares with
 * inference_nn.c (files, images, preprocessing, top-5) is in inference_common.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "inference";

#include "inference_common.h"

#define HEADER_BYTES 24
#define LAYER_FIELDS 6
#define MAX_LAYERS 1024
#define MAX_CHANNELS 16384

enum kind { CONV3X3 = 0, DEPTHWISE3X3 = 1, POINTWISE = 2, DENSE = 3 };

struct layer {
    uint32_t kind, in, out, stride, relu6, residual; /* residual: 0 none, else 1 + layer index */
    const float *weight, *bias;
};

struct model {
    uint32_t count;
    struct layer *layers;
    float *floats;
};

static uint32_t le32(const unsigned char *bytes) {
    return (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24;
}

static uint32_t crc32(const unsigned char *data, size_t length) {
    static uint32_t table[256];
    uint32_t crc = 0xFFFFFFFFu;
    size_t i;
    if (!table[1]) {
        uint32_t n, k, c;
        for (n = 0; n < 256; n++) {
            for (c = n, k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
    }
    for (i = 0; i < length; i++) crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

static size_t weight_count(const struct layer *layer) {
    switch (layer->kind) {
    case CONV3X3: return (size_t)layer->out * layer->in * 9;
    case DEPTHWISE3X3: return (size_t)layer->out * 9;
    default: return (size_t)layer->out * layer->in;
    }
}

/* Check every field before trusting any: a bad file is an error, never a wrong answer. */
static void check_layers(const char *path, const struct model *model) {
    uint32_t i;
    for (i = 0; i < model->count; i++) {
        const struct layer *layer = &model->layers[i];
        const struct layer *source;
        if (layer->kind > DENSE) fail("%s: layer %u has unknown kind %u", path, i, layer->kind);
        if (!layer->in || !layer->out || layer->in > MAX_CHANNELS || layer->out > MAX_CHANNELS)
            fail("%s: layer %u has %u -> %u channels", path, i, layer->in, layer->out);
        if (layer->stride != 1 && layer->stride != 2)
            fail("%s: layer %u has stride %u", path, i, layer->stride);
        if (layer->relu6 > 1) fail("%s: layer %u has relu6 flag %u", path, i, layer->relu6);
        if (layer->kind == DEPTHWISE3X3 && layer->in != layer->out)
            fail("%s: depthwise layer %u changes the width", path, i);
        if (i == 0 ? layer->in != 3 : layer->in != model->layers[i - 1].out)
            fail("%s: layer %u takes %u channels, its input has %u", path, i, layer->in,
                 i == 0 ? 3u : model->layers[i - 1].out);
        if ((layer->kind == DENSE) != (i == model->count - 1))
            fail("%s: the fully connected layer must be the last one, and only it", path);
        if (!layer->residual) continue;
        if (layer->residual > i) fail("%s: layer %u adds the input of a later layer", path, i);
        source = &model->layers[layer->residual - 1];
        if (source->in != layer->out || layer->kind == DENSE)
            fail("%s: layer %u adds an input of another shape", path, i);
        for (source = &model->layers[layer->residual - 1]; source <= layer; source++)
            if (source->stride != 1) fail("%s: layer %u adds an input of another size", path, i);
    }
    if (model->layers[model->count - 1].out > MAX_CLASSES) fail("%s: too many classes", path);
}

static struct model load_model(const char *path) {
    size_t length, expected, offset, i;
    unsigned char *data = read_file(path, &length);
    uint32_t floats, crc, version;
    struct model model;
    if (length < HEADER_BYTES || memcmp(data, "WBMNV2\0\0", 8) != 0)
        fail("%s: not a wasmbench MobileNetV2 weights file (bad magic)", path);
    version = le32(data + 8);
    model.count = le32(data + 12);
    floats = le32(data + 16);
    crc = le32(data + 20);
    if (version != 1) fail("%s: weights format version %u, this program reads version 1", path, version);
    if (model.count < 2 || model.count > MAX_LAYERS) fail("%s: %u layers", path, model.count);
    expected = HEADER_BYTES + (size_t)model.count * LAYER_FIELDS * 4 + (size_t)floats * 4;
    if (length != expected)
        fail("%s: %zu bytes, the header promises %zu (truncated or corrupt)", path, length, expected);
    if (crc32(data + HEADER_BYTES, length - HEADER_BYTES) != crc)
        fail("%s: checksum mismatch (the file is corrupt)", path);
    model.layers = allocate(model.count, sizeof *model.layers);
    model.floats = allocate(floats ? floats : 1, sizeof(float));
    for (i = 0; i < floats; i++) {
        uint32_t bits = le32(data + HEADER_BYTES + (size_t)model.count * LAYER_FIELDS * 4 + i * 4);
        memcpy(&model.floats[i], &bits, sizeof bits);
    }
    for (offset = 0, i = 0; i < model.count; i++) {
        const unsigned char *field = data + HEADER_BYTES + i * LAYER_FIELDS * 4;
        struct layer *layer = &model.layers[i];
        layer->kind = le32(field);
        layer->in = le32(field + 4);
        layer->out = le32(field + 8);
        layer->stride = le32(field + 12);
        layer->relu6 = le32(field + 16);
        layer->residual = le32(field + 20);
    }
    check_layers(path, &model);
    for (i = 0; i < model.count; i++) {
        struct layer *layer = &model.layers[i];
        size_t needed = weight_count(layer) + layer->out;
        if (needed > floats - offset) fail("%s: the layers need more floats than the file holds", path);
        layer->weight = model.floats + offset;
        layer->bias = model.floats + offset + weight_count(layer);
        offset += needed;
    }
    if (offset != floats) fail("%s: %zu floats left over after the last layer", path, (size_t)floats - offset);
    free(data);
    return model;
}

static void conv3x3(const struct layer *l, const float *in, uint32_t h, uint32_t w, float *out,
                    uint32_t oh, uint32_t ow) {
    uint32_t o, c, y, x, ky, kx;
    for (o = 0; o < l->out; o++)
        for (y = 0; y < oh; y++)
            for (x = 0; x < ow; x++) {
                float sum = l->bias[o];
                for (c = 0; c < l->in; c++)
                    for (ky = 0; ky < 3; ky++) {
                        uint32_t iy = y * l->stride + ky;
                        if (iy < 1 || iy > h) continue;
                        for (kx = 0; kx < 3; kx++) {
                            uint32_t ix = x * l->stride + kx;
                            if (ix < 1 || ix > w) continue;
                            sum += l->weight[((o * l->in + c) * 3 + ky) * 3 + kx] *
                                   in[((size_t)c * h + iy - 1) * w + ix - 1];
                        }
                    }
                out[((size_t)o * oh + y) * ow + x] = sum;
            }
}

static void depthwise3x3(const struct layer *l, const float *in, uint32_t h, uint32_t w, float *out,
                         uint32_t oh, uint32_t ow) {
    uint32_t c, y, x, ky, kx;
    for (c = 0; c < l->out; c++) {
        const float *plane = in + (size_t)c * h * w, *k = l->weight + c * 9;
        for (y = 0; y < oh; y++)
            for (x = 0; x < ow; x++) {
                float sum = l->bias[c];
                for (ky = 0; ky < 3; ky++) {
                    uint32_t iy = y * l->stride + ky;
                    if (iy < 1 || iy > h) continue;
                    for (kx = 0; kx < 3; kx++) {
                        uint32_t ix = x * l->stride + kx;
                        if (ix >= 1 && ix <= w) sum += k[ky * 3 + kx] * plane[(size_t)(iy - 1) * w + ix - 1];
                    }
                }
                out[((size_t)c * oh + y) * ow + x] = sum;
            }
    }
}

/* 1x1 convolution: each output plane accumulates weighted input planes, in input-channel order. */
static void pointwise(const struct layer *l, const float *in, size_t plane, float *out) {
    uint32_t o, c;
    size_t p;
    for (o = 0; o < l->out; o++) {
        float *row = out + o * plane;
        for (p = 0; p < plane; p++) row[p] = l->bias[o];
        for (c = 0; c < l->in; c++) {
            const float weight = l->weight[(size_t)o * l->in + c], *source = in + c * plane;
            for (p = 0; p < plane; p++) row[p] += weight * source[p];
        }
    }
}

static void dense(const struct layer *l, const float *in, size_t plane, float *out) {
    float *pooled = allocate(l->in, sizeof *pooled);
    uint32_t o, c;
    size_t p;
    for (c = 0; c < l->in; c++) {
        float sum = 0;
        for (p = 0; p < plane; p++) sum += in[c * plane + p];
        pooled[c] = sum / (float)plane;
    }
    for (o = 0; o < l->out; o++) {
        float sum = l->bias[o];
        for (c = 0; c < l->in; c++) sum += l->weight[(size_t)o * l->in + c] * pooled[c];
        out[o] = sum;
    }
    free(pooled);
}

/* Runs the model on one preprocessed image in buffers[0]; returns the buffer holding the logits.
 * Three buffers suffice: the current input, the output, and the input a later residual adds. */
static const float *run_model(const struct model *m, float *buffers[3], uint32_t size) {
    uint32_t i, h = size, w = size, current = 0, kept = 3, kept_for = 0;
    for (i = 0; i < m->count; i++) {
        const struct layer *l = &m->layers[i];
        uint32_t next = 0, oh = (h - 1) / l->stride + 1, ow = (w - 1) / l->stride + 1, j;
        size_t n, count = (size_t)l->out * oh * ow;
        for (j = i + 1; j < m->count; j++)
            if (m->layers[j].residual == i + 1) kept = current, kept_for = j;
        while (next == current || next == kept) next++;
        switch (l->kind) {
        case CONV3X3: conv3x3(l, buffers[current], h, w, buffers[next], oh, ow); break;
        case DEPTHWISE3X3: depthwise3x3(l, buffers[current], h, w, buffers[next], oh, ow); break;
        case POINTWISE: pointwise(l, buffers[current], (size_t)h * w, buffers[next]); break;
        default: dense(l, buffers[current], (size_t)h * w, buffers[next]); return buffers[next];
        }
        if (l->residual && kept_for == i) {
            for (n = 0; n < count; n++) buffers[next][n] += buffers[kept][n];
            kept = 3;
        }
        if (l->relu6)
            for (n = 0; n < count; n++)
                buffers[next][n] = buffers[next][n] < 0 ? 0 : buffers[next][n] > 6 ? 6 : buffers[next][n];
        current = next, h = oh, w = ow;
    }
    return buffers[current];
}

/* The largest activation (floats) the model produces for a size x size input. */
static size_t largest_activation(const struct model *m, uint32_t size) {
    size_t largest = (size_t)3 * size * size;
    uint32_t i, h = size, w = size;
    for (i = 0; i < m->count; i++) {
        h = (h - 1) / m->layers[i].stride + 1;
        w = (w - 1) / m->layers[i].stride + 1;
        if ((size_t)m->layers[i].out * h * w > largest) largest = (size_t)m->layers[i].out * h * w;
    }
    return largest;
}

int main(int argc, char **argv) {
    struct model model;
    char **labels;
    float *buffers[3];
    uint32_t size;
    size_t largest;
    int i;
    size = parse_command_line(argc, argv);
    model = load_model(argv[1]);
    labels = load_labels(argv[2], model.layers[model.count - 1].out);
    largest = largest_activation(&model, size);
    for (i = 0; i < 3; i++) buffers[i] = allocate(largest, sizeof(float));
    for (i = 4; i < argc; i++) {
        struct image image = load_ppm(argv[i]);
        preprocess(&image, size, buffers[0]);
        classify(argv[i], run_model(&model, buffers, size), model.layers[model.count - 1].out,
                 labels, size, &image);
        free(image.rgb);
    }
    return 0;
}
