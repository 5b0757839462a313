"""The folded MobileNetV2 layers as an OpenVINO model (IR: ``.xml`` graph + ``.bin`` weights).

``inference_nn.c`` hands this model to the host through WASI-NN (wasmtime's OpenVINO backend), so
the network runs natively on the host while preprocessing, softmax, top-5 and the sentence stay in
the wasm module. The graph is built layer by layer from the same batch-norm-folded float32 weights
``inference.c`` reads (``mobilenet_v2.fold_batch_norm``), with OpenVINO's graph API — no torch,
no converter: 3x3 convolution, depthwise (group) convolution, 1x1 convolution, bias add, ReLU6
(clamp), residual add, global average pooling (reduce_mean), fully connected (matmul). Its input
is one planar float32 image ``[1, 3, size, size]``; its output is the ``[1, classes]`` logits, so
the wasm module computes the softmax with the very code ``inference.c`` uses.

Weights are saved as float32 (``compress_to_fp16=False``); OpenVINO may still compute in bf16 on
CPUs that support it, which is why runs of this model are judged by their labels only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from wasmbench.workloads.mobilenet_v2 import Kind, Layer

INPUT_NAME = "image"
OUTPUT_NAME = "logits"


def build_model(layers: list[Layer], size: int):  # -> openvino.Model
    """The network of ``layers`` for one ``size`` x ``size`` image, as an ``openvino.Model``."""
    import openvino as ov
    from openvino import opset13 as ops

    image = ops.parameter([1, 3, size, size], np.float32, name=INPUT_NAME)
    x = image.output(0)
    inputs = []
    for layer in layers:
        inputs.append(x)
        if layer.kind is Kind.DENSE:
            pooled = ops.reduce_mean(x, np.array([2, 3], dtype=np.int64), keep_dims=False)
            x = ops.add(ops.matmul(pooled, ops.constant(layer.weight), False, True), layer.bias[None, :])
            break
        x = ops.add(_convolution(layer, x), layer.bias.reshape(1, -1, 1, 1))
        if layer.residual_from is not None:
            x = ops.add(x, inputs[layer.residual_from])
        if layer.relu6:
            x = ops.clamp(x, 0.0, 6.0)
    logits = ops.result(x, name=OUTPUT_NAME)
    logits.output(0).get_tensor().set_names({OUTPUT_NAME})
    return ov.Model([logits], [image], "mobilenet_v2")


def _convolution(layer: Layer, x):
    from openvino import opset13 as ops

    stride = [layer.stride, layer.stride]
    if layer.kind is Kind.POINTWISE:
        weight = layer.weight.reshape(*layer.weight.shape, 1, 1)
        return ops.convolution(x, ops.constant(weight), [1, 1], [0, 0], [0, 0], [1, 1])
    if layer.kind is Kind.DEPTHWISE3X3:
        weight = layer.weight.reshape(layer.weight.shape[0], 1, 1, 3, 3)  # groups x out x in x 3 x 3
        return ops.group_convolution(x, ops.constant(weight), stride, [1, 1], [1, 1], [1, 1])
    return ops.convolution(x, ops.constant(layer.weight), stride, [1, 1], [1, 1], [1, 1])


def write_model(layers: list[Layer], size: int, xml: Path) -> None:
    """Write the IR: ``xml`` and, beside it, the weights with the suffix ``.bin``."""
    import openvino as ov

    ov.save_model(build_model(layers, size), str(xml), compress_to_fp16=False)
