import json

import pytest

from wasmbench.build.checks import (
    ClassificationCheck,
    LabelCheck,
    output_check,
    parse_classification,
    verdict,
)
from wasmbench.build.manifest import SizeSpec
from wasmbench.errors import WasmbenchError
from wasmbench.execution.usage import Usage
from wasmbench.measuring.measurement import Status, validate
from wasmbench.runtimes.runner import RunOutcome

REFERENCE = {
    "kind": "classification",
    "tolerance": 1e-4,
    "images": [
        {
            "image": "coffee.ppm",
            "classes": [
                [967, "espresso", 0.9643927],
                [968, "cup", 0.0289451],
                [504, "coffee mug", 0.0033210],
                [925, "consomme", 0.0015856],
                [809, "soup bowl", 0.0005774],
                [960, "chocolate sauce", 0.0005770],
                [441, "beer glass", 0.0001617],
            ],
        }
    ],
}

OUTPUT = """coffee.ppm (600x400, classified at 192x192)
  1.  967 0.964393 espresso
  2.  968 0.028945 cup
  3.  504 0.003321 coffee mug
  4.  925 0.001586 consomme
  5.  809 0.000577 soup bowl
It is very likely an espresso.
"""


@pytest.fixture
def check(tmp_path) -> ClassificationCheck:
    path = tmp_path / "expected.json"
    path.write_text(json.dumps(REFERENCE))
    return ClassificationCheck.load(path)


def test_the_reference_output_passes_and_is_summarised(check):
    assert check.mismatch(OUTPUT.encode()) is None
    assert check.summary(OUTPUT.encode()) == "coffee.ppm: espresso 0.964393 (It is very likely an espresso.)"


def test_a_near_tie_at_the_fifth_place_may_swap(check):
    swapped = OUTPUT.replace("  5.  809 0.000577 soup bowl", "  5.  960 0.000577 chocolate sauce")
    assert check.mismatch(swapped.encode()) is None


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("0.964393", "0.964593"), "espresso has probability 0.964593"),
        (("968 0.028945 cup", "441 0.028945 beer glass"), "beer glass has probability"),
        (("968 0.028945 cup", "100 0.028945 cup"), "class 100 (cup) is not among the reference's top 7"),
        (("968 0.028945 cup", "968 0.028945 mug"), "class 968 is labelled 'mug'"),
        (("very likely", "likely"), "sentence 'It is likely an espresso.'"),
        (("coffee.ppm (", "tea.ppm ("), "classified images ['tea.ppm'], expected ['coffee.ppm']"),
        (("  5.  809 0.000577 soup bowl\n", ""), "4 classes printed, expected 5"),
        (("It is very likely an espresso.\n", ""), "no sentence after its classes"),
        (("  2.", "  3."), "rank 3 out of order"),
    ],
)
def test_a_different_classification_is_a_mismatch_that_says_why(check, change, problem):
    assert problem in check.mismatch(OUTPUT.replace(*change).encode())


def test_a_missing_top_class_is_a_mismatch_even_when_the_others_agree(check):
    without_cup = OUTPUT.replace("  2.  968 0.028945 cup", "  2.  504 0.003321 coffee mug").replace(
        "  3.  504 0.003321 coffee mug", "  3.  960 0.000577 chocolate sauce"
    )
    assert "cup (reference probability 0.028945) is missing" in check.mismatch(without_cup.encode())


def test_a_wrong_classification_never_enters_a_statistic(tmp_path, check):
    stdout, stderr = tmp_path / "stdout", tmp_path / "stderr"
    stdout.write_text(OUTPUT.replace("0.964393", "0.5"))
    outcome = RunOutcome(Usage(10, 0.1, 0.0, 5))
    measurement = validate(outcome, stdout, stderr, check)
    assert measurement.status is Status.WRONG_OUTPUT
    assert measurement.summary == ""
    stdout.write_text(OUTPUT)
    assert validate(outcome, stdout, stderr, check).summary.startswith("coffee.ppm: espresso")


@pytest.mark.parametrize(
    ("probability", "sentence"),
    [
        (0.76, "It is very likely a cup."),
        (0.75, "It is likely a cup."),
        (0.5, "It could be a cup."),
        (0.2, "It does not appear to be a cup."),
    ],
)
def test_verdict_uses_the_seed_thresholds(probability, sentence):
    assert verdict("cup", probability) == sentence


def test_parsing_rejects_stray_lines():
    with pytest.raises(ValueError, match="unexpected"):
        parse_classification("hello\n")


def test_a_digest_checked_size_is_its_own_check(tmp_path):
    spec = SizeSpec(args=(), stdout_sha256="0" * 64, stdout_bytes=1)
    assert output_check(spec, None) is spec


def test_a_reference_check_without_its_reference_is_a_clear_error(tmp_path):
    spec = SizeSpec(args=(), inputs=("a",), check="classification")
    with pytest.raises(WasmbenchError, match=r"needs expected\.json"):
        output_check(spec, tmp_path)
    with pytest.raises(WasmbenchError, match="unknown output check 'psnr'"):
        output_check(SizeSpec(args=(), check="psnr"), tmp_path)


@pytest.fixture
def label_check(tmp_path) -> LabelCheck:
    path = tmp_path / "expected.json"
    path.write_text(json.dumps(REFERENCE))
    return output_check(SizeSpec(args=(), inputs=("a",), check="classification-labels"), tmp_path)


def test_the_label_check_ignores_probabilities_a_host_engine_may_round(label_check):
    assert isinstance(label_check, LabelCheck)
    bf16 = OUTPUT.replace("0.964393", "0.961000").replace("0.028945", "0.031000")
    assert label_check.mismatch(bf16.encode()) is None
    assert "labels only" in label_check.description


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            (
                "  1.  967 0.964393 espresso\n  2.  968 0.028945 cup",
                "  1.  968 0.964393 cup\n  2.  967 0.028945 espresso",
            ),
            "top class cup, the reference's is espresso",
        ),
        (
            ("968 0.028945 cup", "441 0.028945 beer glass"),
            "class 441 (beer glass) is not among the reference's top 5",
        ),
        (("968 0.028945 cup", "968 0.028945 mug"), "class 968 is labelled 'mug'"),
        (("very likely", "likely"), "sentence 'It is likely an espresso.'"),
    ],
)
def test_the_label_check_still_wants_the_references_classes_and_labels(label_check, change, problem):
    assert problem in label_check.mismatch(OUTPUT.replace(*change).encode())


def test_the_label_check_allows_a_near_tie_at_the_fifth_place(label_check):
    swapped = OUTPUT.replace("  5.  809 0.000577 soup bowl", "  5.  960 0.000570 chocolate sauce")
    assert label_check.mismatch(swapped.encode()) is None
