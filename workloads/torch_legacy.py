"""Read a state dict saved by ``torch.save`` in PyTorch's legacy (pre-1.6, non-zip) format, without torch.

The legacy format is a sequence of pickles — a magic number, a protocol version, system
information, the state dict itself (whose tensors point at storages through persistent ids), the
list of storage keys — followed by each storage's raw bytes, prefixed by its element count.

Unpickling runs code named by the file, so the unpickler here is restricted: it resolves only the
few names a state dict of tensors needs and refuses everything else.
"""

from __future__ import annotations

import pickle
import struct
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class LegacyFormatError(ValueError):
    """The file is not a legacy PyTorch state dict this reader understands."""


@dataclass(frozen=True)
class _StorageRef:
    key: str
    dtype: type


@dataclass(frozen=True)
class _TensorRef:
    storage: _StorageRef
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor(storage, offset, shape, stride, *_ignored) -> _TensorRef:
    return _TensorRef(storage, offset, tuple(shape), tuple(stride))


class _StorageType:
    def __init__(self, name: str) -> None:
        self.dtype = STORAGE_DTYPES[name]


class _RestrictedUnpickler(pickle.Unpickler):
    """Resolves only OrderedDict, tensor rebuilding and storage types; storages stay references."""

    def find_class(self, module: str, name: str):
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if (module, name) in {("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor")}:
            return _rebuild_tensor
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a weights file")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid[0] == "storage" and isinstance(pid[1], _StorageType)):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        return _StorageRef(key=str(pid[2]), dtype=pid[1].dtype)


def load_state_dict(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a legacy ``torch.save`` file, by name, as contiguous numpy arrays."""
    try:
        with path.open("rb") as stream:
            return _load(stream)
    except (pickle.UnpicklingError, EOFError, struct.error, KeyError, TypeError, ValueError) as error:
        raise LegacyFormatError(f"{path}: not a readable legacy PyTorch state dict: {error}") from error


def _load(stream: BinaryIO) -> dict[str, np.ndarray]:
    if _restricted_load(stream) != MAGIC_NUMBER:
        raise LegacyFormatError("no legacy PyTorch magic number (a zip-format file needs torch)")
    if _restricted_load(stream) != PROTOCOL_VERSION:
        raise LegacyFormatError("unsupported legacy protocol version")
    system = _restricted_load(stream)
    if not system.get("little_endian", False):
        raise LegacyFormatError("big-endian files are not supported")
    state = _restricted_load(stream)
    storages: dict[str, np.ndarray] = {}
    dtypes = {ref.storage.key: ref.storage.dtype for ref in state.values() if isinstance(ref, _TensorRef)}
    for key in _restricted_load(stream):
        dtype = np.dtype(dtypes.get(key, np.uint8))
        (count,) = struct.unpack("<q", stream.read(8))
        data = stream.read(count * dtype.itemsize)
        if len(data) != count * dtype.itemsize:
            raise LegacyFormatError(f"storage {key} is truncated")
        storages[key] = np.frombuffer(data, dtype=dtype.newbyteorder("<"))
    return {name: _materialise(ref, storages) for name, ref in state.items() if isinstance(ref, _TensorRef)}


def _restricted_load(stream: BinaryIO):
    return _RestrictedUnpickler(stream).load()


def _materialise(ref: _TensorRef, storages: dict[str, np.ndarray]) -> np.ndarray:
    storage = storages[ref.storage.key]
    extent = 1 + sum((size - 1) * stride for size, stride in zip(ref.shape, ref.stride, strict=True))
    if ref.offset + extent > storage.size and all(ref.shape):
        raise LegacyFormatError("a tensor reaches past the end of its storage")
    view = np.lib.stride_tricks.as_strided(
        storage[ref.offset :],
        shape=ref.shape,
        strides=tuple(stride * storage.itemsize for stride in ref.stride),
        writeable=False,
    )
    return np.ascontiguousarray(view)
