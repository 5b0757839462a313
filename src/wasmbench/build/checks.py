"""Output checks beyond a fixed digest: a run's stdout judged against a reference the build step made.

A size whose ``check`` is not ``sha256`` is judged by the check of that kind, loaded from the
``expected.json`` its workload's input builder wrote beside the input files. Programs whose output
is computed in floating point (an image classifier) agree with a reference within a tolerance,
not byte for byte, so a digest cannot judge them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

from wasmbench.build.manifest import DIGEST_CHECK, REFERENCE_CHECKS, SizeSpec, digest_mismatch
from wasmbench.errors import WasmbenchError
from wasmbench.measuring.measurement import OutputCheck

REFERENCE_FILE = "expected.json"
TOP = 5

_HEADER = re.compile(r"^(\S+) \(\d+x\d+, classified at \d+x\d+\)$")
_RANK = re.compile(r"^  (\d+)\. +(\d+) (\d+\.\d+) (.*)$")


@dataclass(frozen=True)
class ClassifiedImage:
    """One image's top classes: (class index, label, probability), most probable first."""

    image: str
    classes: tuple[tuple[int, str, float], ...]
    sentence: str = ""


@dataclass(frozen=True)
class ClassificationCheck:
    """Same images in order, each with the reference's top 5 (a class whose reference probability
    ties the fifth within the tolerance may stand in), every probability within the tolerance of the
    reference's, and the sentence its top class and probability call for."""

    images: tuple[ClassifiedImage, ...]
    tolerance: float
    exit_code: int = 0

    @classmethod
    def load(cls, path: Path) -> ClassificationCheck:
        data = json.loads(path.read_text())
        images = tuple(
            ClassifiedImage(
                entry["image"], tuple((int(i), str(label), float(p)) for i, label, p in entry["classes"])
            )
            for entry in data["images"]
        )
        return cls(images, float(data["tolerance"]))

    def mismatch(self, output: bytes) -> str | None:
        try:
            printed = parse_classification(output.decode())
        except (UnicodeDecodeError, ValueError) as error:
            return f"unreadable classification output: {error}"
        names = [image.image for image in printed]
        expected_names = [image.image for image in self.images]
        if names != expected_names:
            return f"classified images {names}, expected {expected_names}"
        for image, reference in zip(printed, self.images, strict=True):
            if problem := self._compare(image, reference):
                return f"{image.image}: {problem}"
        return None

    def summary(self, output: bytes) -> str:
        """Each image's top class and probability, and its sentence."""
        return "; ".join(
            f"{image.image}: {image.classes[0][1]} {image.classes[0][2]:.6f} ({image.sentence})"
            for image in parse_classification(output.decode())
        )

    @property
    def description(self) -> str:
        return f"the reference's top-{TOP} classes, every probability within {self.tolerance:g}"

    def _compare(self, image: ClassifiedImage, reference: ClassifiedImage) -> str | None:
        known = {index: (label, p) for index, label, p in reference.classes}
        if len(image.classes) != TOP:
            return f"{len(image.classes)} classes printed, expected {TOP}"
        for index, label, p in image.classes:
            if index not in known:
                return f"class {index} ({label}) is not among the reference's top {len(known)}"
            if label != known[index][0]:
                return f"class {index} is labelled {label!r}, expected {known[index][0]!r}"
            if problem := self._probability_problem(label, p, known[index][1]):
                return problem
        boundary = self._fifth_boundary(reference)
        printed = {index for index, _, _ in image.classes}
        for index, label, p in reference.classes[:TOP]:
            if p > boundary and index not in printed:
                return f"{label} (reference probability {p:.6f}) is missing from the top {TOP}"
        if image.sentence != verdict(image.classes[0][1], image.classes[0][2]):
            return (
                f"sentence {image.sentence!r}, expected {verdict(image.classes[0][1], image.classes[0][2])!r}"
            )
        return None

    def _probability_problem(self, label: str, p: float, reference: float) -> str | None:
        if abs(p - reference) > self.tolerance:
            return f"{label} has probability {p:.6f}, the reference {reference:.6f}"
        return None

    def _fifth_boundary(self, reference: ClassifiedImage) -> float:
        """Reference classes above this probability must be printed: the sixth's, plus the tolerance."""
        return reference.classes[TOP][2] + self.tolerance if len(reference.classes) > TOP else -1.0


# How a labels-only check describes itself in a pair's info: the reports recognise it by this text.
LABELS_ONLY = f"labels only (the reference's top-1 and top-{TOP} classes; probabilities not compared)"


class LabelCheck(ClassificationCheck):
    """The classification check without the probabilities, for a program whose arithmetic may
    legitimately differ (a host's inference engine computing in bf16): the same images, the same
    top-1 class, the reference's top-5 classes (a near-tie of the fifth may stand in), the right
    labels, and the sentence its own top class and probability call for."""

    @property
    def description(self) -> str:
        return LABELS_ONLY

    def _compare(self, image: ClassifiedImage, reference: ClassifiedImage) -> str | None:
        if image.classes[:1] and image.classes[0][0] != reference.classes[0][0]:
            return f"top class {image.classes[0][1]}, the reference's is {reference.classes[0][1]}"
        fifth = reference.classes[:TOP][-1][2]
        allowed = {index for index, _, p in reference.classes if p >= fifth - self.tolerance}
        for index, label, _ in image.classes:
            if index not in allowed:
                return f"class {index} ({label}) is not among the reference's top {TOP}"
        return super()._compare(image, reference)

    def _probability_problem(self, label: str, p: float, reference: float) -> str | None:
        return None


def verdict(label: str, probability: float) -> str:
    """The seed's sentence for the top class."""
    if probability > 0.75:
        phrase = "is very likely"
    elif probability > 0.5:
        phrase = "is likely"
    elif probability > 0.2:
        phrase = "could be"
    else:
        phrase = "does not appear to be"
    article = "an" if label[:1] in set("AEIOUaeiou") else "a"
    return f"It {phrase} {article} {label}."


def parse_classification(text: str) -> list[ClassifiedImage]:
    """The images ``inference.c`` printed: a header line, ranked classes, then a sentence, per image."""
    images: list[ClassifiedImage] = []
    name, classes = "", []
    for number, line in enumerate(text.splitlines(), 1):
        if header := _HEADER.match(line):
            name, classes = header.group(1), []
        elif (rank := _RANK.match(line)) and name:
            if int(rank.group(1)) != len(classes) + 1:
                raise ValueError(f"line {number}: rank {rank.group(1)} out of order")
            classes.append((int(rank.group(2)), rank.group(4), float(rank.group(3))))
        elif line.startswith("It ") and name:
            images.append(ClassifiedImage(name, tuple(classes), line))
            name = ""
        else:
            raise ValueError(f"line {number}: unexpected {line[:80]!r}")
    if name:
        raise ValueError(f"{name}: no sentence after its classes")
    return images


@dataclass(frozen=True)
class AnyOutput:
    """Accepts every output with the right exit status: the check of a reference run, whose
    output becomes what every other run of the size is checked against (``ExpectedOutput``), and
    of ``serve --front-only``, which has no function whose output could be wrong."""

    exit_code: int = 0

    def mismatch(self, output: bytes) -> str | None:
        return None

    def summary(self, output: bytes) -> str:
        return ""

    @property
    def description(self) -> str:
        return "any output with the right exit status"


@dataclass(frozen=True)
class ExpectedOutput:
    """The exact bytes a reference run printed (its digest and length), made at build time by the
    runtime mode ``origin`` (``native:default``: the native build)."""

    sha256: str
    length: int
    origin: str
    exit_code: int = 0

    def mismatch(self, output: bytes) -> str | None:
        return digest_mismatch(output, self.sha256, self.length, f"{self.origin}'s output")

    def summary(self, output: bytes) -> str:
        return ""

    @property
    def description(self) -> str:
        return f"stdout equal to {self.origin}'s, byte for byte"


CHECKS = {"classification": ClassificationCheck.load, "classification-labels": LabelCheck.load}


def output_check(spec: SizeSpec, inputs: Path | None) -> OutputCheck:
    """The check for a size: its own digest, or the reference of its kind the build step wrote.
    A size checked against a reference run's output gets ``AnyOutput`` here: the suite replaces
    it with that output (``ExpectedOutput``) once the reference run is made."""
    if spec.check == DIGEST_CHECK:
        return spec
    if spec.check in REFERENCE_CHECKS:
        return AnyOutput(spec.exit_code)
    if spec.check not in CHECKS:
        raise WasmbenchError(
            f"unknown output check {spec.check!r} (known: {DIGEST_CHECK}, {', '.join(CHECKS)})"
        )
    if inputs is None or not (inputs / REFERENCE_FILE).is_file():
        raise WasmbenchError(
            f"the {spec.check} check needs {REFERENCE_FILE} from the workload's input builder"
        )
    try:
        return replace(CHECKS[spec.check](inputs / REFERENCE_FILE), exit_code=spec.exit_code)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise WasmbenchError(f"cannot read the reference {inputs / REFERENCE_FILE}: {error!r}") from error
