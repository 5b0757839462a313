import json
from importlib import metadata

import pytest

from wasmbench.build.inputs import InputStore
from wasmbench.build.manifest import InputBuilder, SizeSpec, Workload
from wasmbench.errors import WasmbenchError

CALLS: list[str] = []


def toy_builder(spec: SizeSpec, folder) -> None:
    """Writes each listed input (its name as content) and a classification reference."""
    CALLS.append(spec.args[0])
    for name in spec.inputs:
        (folder / name).write_text(name)
    (folder / "expected.json").write_text(json.dumps({"tolerance": 1e-4, "images": []}))


def forgetful_builder(spec: SizeSpec, folder) -> None:
    """Writes nothing."""


def workload(function: str = f"{__name__}:toy_builder", requires: tuple[str, ...] = ()) -> Workload:
    spec = SizeSpec(args=("run-1",), inputs=("model.bin", "photo.ppm"), check="classification")
    return Workload(
        name="toy",
        title="toy",
        summary="",
        source=__file__,  # type: ignore[arg-type]
        libs=(),
        sizes={"test": spec},
        inputs=InputBuilder(function, requires, install="pip install toy-weights"),
    )


def test_inputs_are_built_once_cached_and_staged_into_the_workdir(tmp_path):
    CALLS.clear()
    inputs = InputStore(tmp_path / "cache").inputs(workload(), "test")
    again = InputStore(tmp_path / "cache").inputs(workload(), "test")
    assert CALLS == ["run-1"], "a second store finds the cached folder"
    assert again.folder == inputs.folder
    workdir = tmp_path / "work"
    workdir.mkdir()
    inputs.stage(workdir)
    assert sorted(path.name for path in workdir.iterdir()) == ["model.bin", "photo.ppm"]
    assert (workdir / "model.bin").read_text() == "model.bin"
    assert not (workdir / "model.bin").is_symlink(), "WASI would not follow a link out of the workdir"
    assert inputs.check.mismatch(b"") is None  # the reference the builder wrote, with no images


def test_a_missing_required_package_names_the_install_command(tmp_path):
    with pytest.raises(
        WasmbenchError,
        match=r"need toy-weights==1\.0 \(it is not installed\); install it with: pip install toy",
    ):
        InputStore(tmp_path).inputs(workload(requires=("toy-weights==1.0",)), "test")


def test_a_required_package_of_another_version_is_named(tmp_path):
    with pytest.raises(WasmbenchError, match=r"need pytest==0\.1 \(version .* is installed\)"):
        InputStore(tmp_path).inputs(workload(requires=("pytest==0.1",)), "test")


def test_a_builder_that_leaves_out_a_file_fails_and_caches_nothing(tmp_path):
    with pytest.raises(WasmbenchError, match=r"did not write model\.bin, photo\.ppm"):
        InputStore(tmp_path).inputs(workload(f"{__name__}:forgetful_builder"), "test")
    assert not [path for path in (tmp_path / "inputs").rglob("*") if path.is_file()]


def test_an_unknown_builder_is_a_clear_error(tmp_path):
    with pytest.raises(WasmbenchError, match="cannot load the input builder nowhere:build"):
        InputStore(tmp_path).inputs(workload("nowhere:build"), "test")


def test_a_missing_package_of_an_extra_names_the_extra(tmp_path, monkeypatch):
    real_version = metadata.version

    def version(name: str) -> str:
        if name == "scikit-image":
            raise metadata.PackageNotFoundError(name)
        return real_version(name)

    monkeypatch.setattr(metadata, "version", version)
    with pytest.raises(WasmbenchError) as raised:
        InputStore(tmp_path).inputs(workload(requires=("scikit-image",)), "test")
    assert str(raised.value) == (
        "the toy workload's inputs need scikit-image (it is not installed); "
        "install it with: pip install 'wasmbench[inference]'"
    )
