"""MobileNetV2 as a flat list of layers: batch-norm folding, the weights file, and a numpy reference.

torchvision's MobileNetV2 is a chain of convolutions each followed by batch-norm (and ReLU6 except
after a block's projection), with a residual add around stride-1 blocks whose input and output
widths agree, then global average pooling and one fully connected layer. Folding each batch-norm
into the convolution before it leaves a chain of (convolution + bias) layers, which
``inference.c`` runs and ``forward`` below runs in float64 as the reference.

The weights file ``inference.c`` reads (all integers little-endian uint32, floats little-endian
IEEE float32)::

    magic "WBMNV2\\0\\0" | version | layer count | float count | CRC-32 of everything after the header
    per layer: kind, in channels, out channels, stride, relu6 (0/1), residual (0 = none, else 1 + the
               index of the layer whose input is added to this layer's output)
    per layer: weights, then out-channels biases

Kinds and weight shapes: CONV3X3 [out][in][3][3], DEPTHWISE3X3 [channels][3][3], POINTWISE
[out][in], DENSE [out][in] (applied after global average pooling).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

import numpy as np

MAGIC = b"WBMNV2\0\0"
VERSION = 1
BATCH_NORM_EPS = 1e-5
# The blocks whose depthwise convolution has stride 2 (torchvision's; the state dict has no strides).
_BLOCK_STRIDES = {2: 2, 4: 2, 7: 2, 14: 2}
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class Kind(IntEnum):
    CONV3X3 = 0
    DEPTHWISE3X3 = 1
    POINTWISE = 2
    DENSE = 3


@dataclass(frozen=True)
class Layer:
    kind: Kind
    stride: int
    relu6: bool
    weight: np.ndarray  # float32, the shape the file stores
    bias: np.ndarray  # float32 [out]
    residual_from: int | None = None  # add the input of this layer index to the output

    @property
    def channels(self) -> tuple[int, int]:
        if self.kind is Kind.DEPTHWISE3X3:
            return self.weight.shape[0], self.weight.shape[0]
        return self.weight.shape[1], self.weight.shape[0]


def fold_batch_norm(state: dict[str, np.ndarray]) -> list[Layer]:
    """The layers of torchvision's ``mobilenet_v2`` state dict, each batch-norm folded into its conv."""
    layers = [_conv(state, "features.0.0", "features.0.1", stride=2, relu6=True)]
    block = 1
    while f"features.{block}.conv.0.0.weight" in state:
        prefix = f"features.{block}.conv"
        first = len(layers)
        expands = f"{prefix}.3.weight" in state  # blocks with expansion t = 1 have no 1x1 expand conv
        if expands:
            layers.append(_conv(state, f"{prefix}.0.0", f"{prefix}.0.1", stride=1, relu6=True))
        depthwise = f"{prefix}.1.0" if expands else f"{prefix}.0.0"
        stride = _BLOCK_STRIDES.get(block, 1)
        layers.append(_conv(state, depthwise, depthwise[:-1] + "1", stride=stride, relu6=True))
        project, norm = (f"{prefix}.2", f"{prefix}.3") if expands else (f"{prefix}.1", f"{prefix}.2")
        layer = _conv(state, project, norm, stride=1, relu6=False)
        widths_agree = layers[first].channels[0] == layer.channels[1]
        residual = first if stride == 1 and widths_agree else None
        layers.append(Layer(layer.kind, 1, False, layer.weight, layer.bias, residual))
        block += 1
    layers.append(_conv(state, f"features.{block}.0", f"features.{block}.1", stride=1, relu6=True))
    weight, bias = state["classifier.1.weight"], state["classifier.1.bias"]
    layers.append(Layer(Kind.DENSE, 1, False, weight.astype(np.float32), bias.astype(np.float32)))
    return layers


def _conv(state: dict[str, np.ndarray], conv: str, norm: str, stride: int, relu6: bool) -> Layer:
    weight = state[f"{conv}.weight"].astype(np.float64)
    scale = state[f"{norm}.weight"] / np.sqrt(
        state[f"{norm}.running_var"].astype(np.float64) + BATCH_NORM_EPS
    )
    bias = state[f"{norm}.bias"] - state[f"{norm}.running_mean"] * scale
    weight = weight * scale[:, None, None, None]
    out_channels, in_per_group, height, _ = weight.shape
    if height == 1:
        kind, weight = Kind.POINTWISE, weight.reshape(out_channels, in_per_group)
    elif in_per_group == 1:
        kind, weight = Kind.DEPTHWISE3X3, weight.reshape(out_channels, 3, 3)
    else:
        kind = Kind.CONV3X3
    return Layer(kind, stride, relu6, weight.astype(np.float32), bias.astype(np.float32))


def weights_bytes(layers: list[Layer]) -> bytes:
    """The weights file for ``layers`` (format in the module docstring)."""
    table = b"".join(
        struct.pack(
            "<6I",
            layer.kind,
            *layer.channels,
            layer.stride,
            int(layer.relu6),
            0 if layer.residual_from is None else layer.residual_from + 1,
        )
        for layer in layers
    )
    floats = b"".join(
        np.ascontiguousarray(array, dtype="<f4").tobytes()
        for layer in layers
        for array in (layer.weight, layer.bias)
    )
    body = table + floats
    header = MAGIC + struct.pack("<4I", VERSION, len(layers), len(floats) // 4, zlib.crc32(body))
    return header + body


def preprocess(rgb: np.ndarray, size: int) -> np.ndarray:
    """HxWx3 uint8 -> 3 x size x size float64: bilinear resize (pixel centres aligned, edges
    clamped), then scale to [0, 1] and normalise with the ImageNet mean and std — as inference.c."""
    height, width, _ = rgb.shape
    rows = _bilinear_taps(height, size)
    cols = _bilinear_taps(width, size)
    image = rgb.astype(np.float64)
    (r0, r1, fr), (c0, c1, fc) = rows, cols
    top = image[r0][:, c0] * (1 - fc)[None, :, None] + image[r0][:, c1] * fc[None, :, None]
    bottom = image[r1][:, c0] * (1 - fc)[None, :, None] + image[r1][:, c1] * fc[None, :, None]
    resized = top * (1 - fr)[:, None, None] + bottom * fr[:, None, None]
    normalised = (resized / 255.0 - np.array(IMAGENET_MEAN)) / np.array(IMAGENET_STD)
    return normalised.transpose(2, 0, 1)


def _bilinear_taps(source: int, target: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    position = (np.arange(target) + 0.5) * (source / target) - 0.5
    position = np.clip(position, 0, source - 1)
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, source - 1)
    return low, high, position - low


def forward(layers: list[Layer], image: np.ndarray) -> np.ndarray:
    """Class probabilities for one preprocessed image (3 x H x W), computed in float64."""
    x = image
    inputs: list[np.ndarray] = []
    for layer in layers:
        inputs.append(x)
        weight, bias = layer.weight.astype(np.float64), layer.bias.astype(np.float64)
        if layer.kind is Kind.DENSE:
            x = weight @ x.mean(axis=(1, 2)) + bias
            continue
        if layer.kind is Kind.POINTWISE:
            x = np.tensordot(weight, x, axes=(1, 0))
        else:
            windows = _windows(x, layer.stride)
            equation = "chwij,ocij->ohw" if layer.kind is Kind.CONV3X3 else "chwij,cij->chw"
            x = np.einsum(equation, windows, weight, optimize=True)
        x = x + bias[:, None, None]
        if layer.residual_from is not None:
            x = x + inputs[layer.residual_from]
        if layer.relu6:
            x = np.clip(x, 0.0, 6.0)
    return softmax(x)


def _windows(x: np.ndarray, stride: int) -> np.ndarray:
    """Every 3x3 window of ``x`` zero-padded by one, at ``stride``: C x H' x W' x 3 x 3."""
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    return np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(1, 2))[:, ::stride, ::stride]


def softmax(logits: np.ndarray) -> np.ndarray:
    exponentials = np.exp(logits - logits.max())
    return exponentials / exponentials.sum()


def write_weights(layers: list[Layer], path: Path) -> None:
    path.write_bytes(weights_bytes(layers))
