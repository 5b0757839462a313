"""The inference workload served as the reference talk's function: POST a photo, get its top-5
classes as JSON.

The photo is decoded on the host side, in the front, exactly as the build step decodes the size's
photos (``inference_inputs.read_photo`` and ``write_ppm``: Pillow, RGB, binary PPM), into the
instance's working directory; the module is run with the size's weights, labels and input size and
that one image — the same for every runtime, which all read the same PPM file. A request without a
body classifies the size's own photos, judged as runs are.

A posted photo's output is judged as the size's are, against the reference the build step computes
(a float64 numpy forward pass of the same weights): about a second per photo on a 2-core machine,
several times the function's own time, so it is computed once per distinct photo (by content) and
kept for the last ``REFERENCES_KEPT`` photos — a load generator posting one photo pays it once.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections import OrderedDict
from dataclasses import replace
from functools import cached_property
from pathlib import Path

import numpy as np

from wasmbench.build.checks import ClassificationCheck, ClassifiedImage, parse_classification
from wasmbench.build.inputs import Inputs
from wasmbench.serving.function import BadRequest, Call

REQUEST_IMAGE = "request.ppm"
REFERENCES_KEPT = 64


class ImageClassifier:
    """A size of the inference workload (arguments ``WEIGHTS LABELS SIZE IMAGE.ppm...``) as a function
    of one posted photo."""

    content_type = "application/json"

    def __init__(self, args: tuple[str, ...], inputs: Inputs) -> None:
        if not isinstance(inputs.check, ClassificationCheck) or inputs.folder is None:
            raise ValueError("an image classifier is judged by a classification check of built inputs")
        self.args, self.check = args, inputs.check
        weights, labels, size, *_ = args
        self._model_args = (weights, labels, size)
        self._size = int(size)
        self._labels_file = inputs.folder / labels
        self._references: OrderedDict[str, ClassifiedImage] = OrderedDict()
        self._lock = threading.Lock()

    def call(self, body: bytes, workdir: Path) -> Call:
        if not body:
            return Call(self.args, b"", self.check)
        from wasmbench.workloads.inference_inputs import read_photo, write_ppm

        try:
            rgb = read_photo(io.BytesIO(body))
        except (OSError, ValueError) as error:  # Pillow's UnidentifiedImageError is an OSError
            raise BadRequest(f"not a photo Pillow can read (JPEG, PNG, ...): {error}") from error
        write_ppm(rgb, workdir / REQUEST_IMAGE)
        reference = self._reference(hashlib.sha256(body).hexdigest(), rgb)
        return Call((*self._model_args, REQUEST_IMAGE), b"", replace(self.check, images=(reference,)))

    def response(self, output: bytes) -> bytes:
        """Each classified image's top-5 classes (index, label, probability) and its sentence."""
        images = [
            {
                "image": image.image,
                "classes": [
                    {"class": index, "label": label, "probability": probability}
                    for index, label, probability in image.classes
                ],
                "sentence": image.sentence,
            }
            for image in parse_classification(output.decode())
        ]
        return json.dumps({"images": images}).encode()

    def _reference(self, digest: str, rgb: np.ndarray) -> ClassifiedImage:
        """The reference's classes of the photo ``digest``, computed on its first request."""
        with self._lock:
            if (known := self._references.get(digest)) is not None:
                self._references.move_to_end(digest)
                return known
        from wasmbench.workloads.inference_inputs import reference_classes

        classes = reference_classes(self._layers, self._labels, rgb, self._size)
        reference = ClassifiedImage(REQUEST_IMAGE, tuple(classes))
        with self._lock:
            self._references[digest] = reference
            if len(self._references) > REFERENCES_KEPT:
                self._references.popitem(last=False)
        return reference

    @cached_property
    def _layers(self) -> list:
        """The network, loaded on the first posted photo (two requests at once may both load it)."""
        from wasmbench.workloads.inference_inputs import folded_layers

        return folded_layers()

    @cached_property
    def _labels(self) -> list[str]:
        return self._labels_file.read_text().splitlines()
