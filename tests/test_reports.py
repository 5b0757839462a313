"""Reports from synthetic result documents: host blocks, failures, ratios, every output format."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from synthetic import HOST_ARM, HOST_X86, TWO_RUNTIMES, document, entry, run, suite_document

from wasmbench.build.checks import LabelCheck
from wasmbench.execution.usage import Usage
from wasmbench.reports.compare import comparison_frame, ratio_comparison_frame
from wasmbench.reports.frame import missing_frame, runs_frame, skipped_frame
from wasmbench.reports.markdown import render
from wasmbench.reports.summary import cell_summaries
from wasmbench.reports.tables import host_blocks
from wasmbench.reports.writer import report_blocks, write_report
from wasmbench.store.schema import ResultDocument, Skip


def blocks_of(*documents):
    return report_blocks(list(documents))


def test_two_hosts_give_two_blocks_never_averaged_together():
    x86 = document(HOST_X86, TWO_RUNTIMES, n=6)
    arm = document(HOST_ARM, {key: mean * 2 for key, mean in TWO_RUNTIMES.items()}, n=7)
    blocks = blocks_of(x86, arm)
    assert [block.host for block in blocks] == ["azure-d2", "aws-m6g"]
    assert "x86_64 · Intel(R) Xeon(R) Platinum 8272CL CPU @ 2.60GHz · 2 cores" in blocks[0].heading
    assert "aarch64 · ARM implementer 0x41 part 0xd0c · 2 cores · instance m6g.large" in blocks[1].heading
    text = render(blocks)
    assert text.count("\n## ") == 2
    x86_cell, arm_cell = (block.tables[0].rows["native"]["nbody"].text for block in blocks)
    assert re.fullmatch(r"1\.0\d\d ± 0\.0\d\d \(6\)", x86_cell)
    assert re.fullmatch(r"2\.0\d\d ± 0\.0\d\d \(7\)", arm_cell)
    assert f"**{x86_cell}**" in text and f"**{arm_cell}**" in text


def test_hosts_with_the_same_name_stay_apart_and_are_labelled_by_arch():
    arm = {**HOST_ARM, "label": HOST_X86["label"], "hostname": HOST_X86["hostname"]}
    blocks = blocks_of(document(HOST_X86, TWO_RUNTIMES), document(arm, TWO_RUNTIMES))
    assert [block.host for block in blocks] == ["azure-d2 (x86_64)", "azure-d2 (aarch64)"]


def test_failed_runs_are_counted_not_averaged_and_skipped_runtimes_listed():
    doc = document(HOST_X86, TWO_RUNTIMES, skipped=[_skipped()])
    runs = doc.pairs[0].runs  # nbody native
    valid_mean = sum(r.usage.wall_ns for r in runs) / len(runs) / 1e9
    runs += [run(50.0, "wrong_output", detail="stdout differs"), run(0.1, "crashed", detail="signal 11")]
    [block] = blocks_of(doc)
    time_table = block.tables[0]
    cell = time_table.rows["native"]["nbody"]
    assert cell.text.startswith(f"{valid_mean:.3f} ± ")
    assert "(8) [1 wrong_output, 1 crashed]" in cell.text
    assert block.failures == [
        "nbody · native: 1 wrong_output, 1 crashed of 10 runs (not averaged in): stdout differs"
    ]
    assert block.skipped == [
        "docker:run skipped: docker is not installed (install: apt-get install docker.io)"
    ]


def test_a_pair_without_a_valid_run_shows_its_failures():
    doc = document(HOST_X86, TWO_RUNTIMES)
    doc.pairs.append(entry("fannkuchredux", "wasmtime", "embedded", [run(1, "timeout")]))
    [block] = blocks_of(doc)
    assert block.tables[0].rows["wasmtime:embedded"]["fannkuchredux"].text == "[1 timeout]"


def test_ratio_table_has_propagated_uncertainty_and_the_geometric_mean():
    [block] = blocks_of(document(HOST_X86, TWO_RUNTIMES))
    ratios = next(table for table in block.tables if table.title == "Ratio to native")
    assert list(ratios.rows) == ["wasmtime:embedded"]
    row = ratios.rows["wasmtime:embedded"]
    nbody, mandelbrot = (float(row[w].text.split(" ± ")[0]) for w in ("nbody", "mandelbrot"))
    assert nbody == pytest.approx(1.3, abs=0.03) and mandelbrot == pytest.approx(1.5, abs=0.03)
    assert float(row["geomean"].text) == pytest.approx(stats.gmean([nbody, mandelbrot]), abs=0.01)
    assert "nop" not in ratios.columns, "start-up is its own table, not a workload column"


def test_startup_prepare_and_memory_tables():
    doc = document(HOST_X86, {**TWO_RUNTIMES, ("nop", "wasmtime", "embedded-aot"): 0.008})
    [block] = blocks_of(doc)
    titles = [table.title for table in block.tables]
    assert titles == [
        "Time (s)",
        "Ratio to native",
        "Start-up (ms)",
        "Prepare / compile (ms)",
        "Peak memory (MiB)",
        "Modules (sha256)",  # every pair with info names its artefact
    ]
    startup = block.tables[2].rows
    assert startup["native"]["nop"].best
    assert "(10.0× native)" in startup["wasmtime:embedded"]["nop"].text
    assert list(block.tables[3].rows) == ["wasmtime:embedded-aot"], "only modes with a prepare step"
    assert block.tables[3].rows["wasmtime:embedded-aot"]["nop"].text == "50.0"
    assert block.tables[4].rows["native"]["nbody"].text == "2.0"


def test_any_runner_and_workload_flow_through_without_special_cases():
    means = {
        **TWO_RUNTIMES,
        ("inference", "native", "default"): 0.5,
        ("inference", "docker", "exec"): 0.55,
        ("nbody", "docker", "exec"): 1.05,
    }
    [block] = blocks_of(document(HOST_X86, means))
    time_table = block.tables[0]
    assert time_table.columns == ["inference", "mandelbrot", "nbody"]
    assert list(time_table.rows) == ["native", "docker:exec", "wasmtime:embedded"]
    assert time_table.rows["wasmtime:embedded"]["inference"].text == "—"


def test_unstable_cells_are_counted_with_a_remedy_up_front_and_listed_at_the_end(tmp_path):
    text = write_report([document(HOST_X86, TWO_RUNTIMES, n=3)], tmp_path).markdown
    counted = text.index(
        "⚠ 6 of 6 cells over the noise threshold (6 fewer than 5 runs): more rounds (--runs 10"
    )
    listed = text.index("## Unstable cells")
    assert counted < text.index("**Time (s)**") < listed
    assert "- ⚠ Time (s) · nbody · native: n = 3 < 5" in text[listed:]
    assert "n = 3 < 5" not in text[:listed], "the per-cell list is at the end, not between the tables"
    html = (tmp_path / "report.html").read_text()
    assert "<details><summary>6 cells flagged: show them</summary>" in html
    assert (
        html.index("cells over the noise threshold")
        < html.index("<h3>Time (s)</h3>")
        < html.index("<details>")
    )
    [block] = blocks_of(document(HOST_X86, TWO_RUNTIMES, n=3))
    assert block.advice[0].startswith("⚠ 6 of 6 cells"), "the suite's own tables end with the count line"


def test_write_report_writes_every_format_and_a_self_contained_html(tmp_path):
    x86 = document(HOST_X86, TWO_RUNTIMES)
    arm = document(HOST_ARM, TWO_RUNTIMES, seed=1, run_id="arm")
    report = write_report([x86, arm], tmp_path)
    names = {path.name for path in report.files}
    for chart in ("time", "ratio", "startup-memory", "cross-host"):
        assert {f"{chart}.png", f"{chart}.svg"} <= names
        assert (tmp_path / f"{chart}.png").read_bytes().startswith(b"\x89PNG")
    html = (tmp_path / "report.html").read_text()
    assert html.count("<img") == 4 and html.count('src="data:image/png;base64,') == 4
    assert not re.search(r"(src|href)=\"(?!data:)", html), "nothing may be fetched"
    assert "aws-m6g — aarch64" in html and '<td class="best">' in html
    assert (tmp_path / "report.md").read_text() == report.markdown


def test_csv_is_tidy_one_row_per_run_with_metadata_columns(tmp_path):
    doc = document(HOST_X86, TWO_RUNTIMES, n=4)
    write_report([doc], tmp_path)
    frame = pd.read_csv(tmp_path / "runs.csv")
    assert len(frame) == 4 * len(TWO_RUNTIMES)
    for column in ("host", "arch", "workload", "runtime", "mode", "status", "wall_s", "machine.cpu_model"):
        assert column in frame.columns
    assert "phases_ns.execute" in frame.columns


def test_json_summary_has_statistics_and_no_nan(tmp_path):
    doc = document(HOST_X86, TWO_RUNTIMES, n=1)
    write_report([doc], tmp_path)
    text = (tmp_path / "summary.json").read_text()
    assert "NaN" not in text
    cells = json.loads(text)["cells"]
    nbody = next(c for c in cells if c["workload"] == "nbody" and c["runtime"] == "wasmtime")
    assert nbody["n"] == 1 and nbody["stddev"] is None and nbody["ratio"] > 1
    assert set(nbody) >= {"mean", "median", "minimum", "ci95", "cov", "outliers", "warnings", "peak_rss_mib"}


def test_a_variant_is_compared_with_the_plain_modes_of_its_own_wasm_build():
    means = {("inference", "native", "default"): 1.0, ("inference", "wasmtime", "jit"): 2.0}
    means |= {("inference", "wasmtime", "jit+simd"): 1.0, ("inference", "wasmtime", "nn"): 0.5}
    means |= {("inference", "wasmtime", "nn+simd"): 0.5}
    doc = document(HOST_X86, means, noise=0.0)
    for result in doc.pairs:
        target = "wasm32-wasi-simd" if result.pair.mode.endswith("+simd") else "wasm32-wasi"
        variant = {"variant": "wasi-nn"} if result.pair.mode.startswith("nn") else {}
        result.info = replace(result.info, artefact=replace(result.info.artefact, target=target), **variant)
    [block] = blocks_of(doc)
    speedup = next(table for table in block.tables if table.title == "Speed-up of variants")
    assert sorted(speedup.rows) == [
        "wasmtime:nn over wasmtime:jit",
        "wasmtime:nn+simd over wasmtime:jit+simd",
    ]
    assert speedup.rows["wasmtime:nn+simd over wasmtime:jit+simd"]["inference"].text == "2.00× ± 0.00"


def test_one_host_has_no_cross_host_chart(tmp_path):
    names = {path.name for path in write_report([document(HOST_X86, TWO_RUNTIMES)], tmp_path).files}
    assert "cross-host.png" not in names and "time.png" in names


def _skipped() -> Skip:
    return Skip("docker", "run", "docker is not installed", "apt-get install docker.io")


def test_a_variant_mode_gets_its_speed_up_over_the_plain_modes_and_a_note_on_its_validation():
    means = {("inference", "native", "default"): 1.0, ("inference", "wasmtime", "jit"): 2.0}
    means |= {("inference", "wasmtime", "embedded"): 2.2, ("inference", "wasmtime", "nn"): 0.5}
    doc = document(HOST_X86, means, noise=0.0)
    nn = next(result for result in doc.pairs if result.pair.mode == "nn")
    nn.info = replace(
        nn.info,
        variant="wasi-nn",
        variant_source="inference_nn.c",
        variant_summary="the network runs in the host's OpenVINO",
        validation=LabelCheck((), 1e-4).description,
    )
    [block] = blocks_of(doc)
    speedup = next(table for table in block.tables if table.title == "Speed-up of variants")
    assert sorted(speedup.rows) == ["wasmtime:nn over wasmtime:embedded", "wasmtime:nn over wasmtime:jit"]
    assert speedup.rows["wasmtime:nn over wasmtime:jit"]["inference"].text == "4.00× ± 0.00"
    assert block.variants == [
        "wasmtime:nn runs inference as inference_nn.c (wasi-nn variant: the network runs in the host's "
        "OpenVINO); validated by labels only (the reference's top-1 and top-5 classes; probabilities "
        "not compared)"
    ]
    assert "**Variants**" in render([block])


def test_paired_ratios_cancel_drift_that_both_modes_saw_in_a_round():
    """Each round's machine speed swings by ±40 %, but wasmtime is exactly 1.5× native within it:
    the paired ratio says 1.50 with a tight interval; the ratio of means cannot."""
    drift = [0.6, 1.4, 1.0, 0.7, 1.3, 1.1, 0.9, 1.2]
    runs_native = [run(speed, round=index) for index, speed in enumerate(drift)]
    runs_wasm = [
        run(1.5 * speed * (1 + 0.001 * (-1) ** index), round=index) for index, speed in enumerate(drift)
    ]
    paired = suite_document(
        HOST_X86,
        [entry("nbody", "native", "default", runs_native), entry("nbody", "wasmtime", "jit", runs_wasm)],
        run_id="paired",
    )
    cells = cell_summaries(runs_frame([paired]))
    wasm = cells[cells["runtime"] == "wasmtime"].iloc[0]
    assert wasm["ratio_paired"] and wasm["paired_n"] == 8
    assert wasm["ratio"] == pytest.approx(1.5, rel=1e-3)
    assert 1.49 < wasm["ratio_low"] < 1.5 < wasm["ratio_high"] < 1.51
    cells_without_rounds = cell_summaries(runs_frame([document(HOST_X86, TWO_RUNTIMES)]))
    assert not cells_without_rounds["ratio_paired"].any() and cells_without_rounds["ratio"].notna().any()
    [block] = host_blocks(cells, skipped_frame([paired]), missing_frame([paired]))
    ratio_table = next(table for table in block.tables if table.title == "Ratio to native")
    assert ratio_table.rows["wasmtime:jit"]["nbody"].text == "1.50 [1.50, 1.50] (8)"


@pytest.mark.parametrize("flagged", [True, False], ids=["flagged", "unseen"])
def test_the_robust_estimators_see_through_planted_one_sided_noise(flagged):
    """wasmtime costs 1.2× native, but a neighbour slowed three of its eight runs and one of
    native's by 1.5×. Flagged (they waited for a CPU: wall 1.5× their CPU time), those rounds leave
    the paired ratio; unseen (their CPU time grew as much), the low quantile still finds the
    undisturbed ratio. The mean of the per-round ratios is pulled up."""
    rng = np.random.default_rng(3)
    slowed = {("native", 5), ("wasmtime", 1), ("wasmtime", 4), ("wasmtime", 6)}

    def runs(runtime: str, seconds: float) -> list:
        measured = []
        for index, wall_s in enumerate(seconds * rng.normal(1, 0.005, 8)):
            factor = 1.5 if (runtime, index) in slowed else 1
            cpu_s = wall_s if flagged else wall_s * factor
            measured.append(
                replace(
                    run(wall_s * factor, round=index), usage=Usage(int(wall_s * factor * 1e9), cpu_s, 0.0, 1)
                )
            )
        return measured

    pairs = [
        entry("nbody", "native", "default", runs("native", 1.0)),
        entry("nbody", "wasmtime", "jit", runs("wasmtime", 1.2)),
    ]
    wasm = cell_summaries(runs_frame([suite_document(HOST_X86, pairs)])).set_index("runtime").loc["wasmtime"]
    assert wasm["ratio_low_quantile"] == pytest.approx(1.2, rel=0.01)
    assert wasm["disturbed"] == (4 - 1 if flagged else 0), (
        "native's disturbed run is counted in native's cell"
    )
    if flagged:
        assert wasm["ratio"] == pytest.approx(1.2, rel=0.01) and wasm["paired_n"] == 4
        assert wasm["disturbed_in_ratio"] == 0
    else:
        assert wasm["ratio"] > 1.2 * 1.1, "the mean of the per-round ratios is biased upward"


def test_a_variant_note_from_a_file_without_summary_or_validation_has_no_dangling_words():
    doc = document(HOST_X86, {("inference", "wasmtime", "nn"): 0.5})
    doc.pairs[0].info = replace(doc.pairs[0].info, variant="wasi-nn", variant_source="inference_nn.c")
    [block] = blocks_of(doc)
    assert block.variants == [
        "wasmtime:nn runs inference as inference_nn.c (wasi-nn variant); validated by a check the result "
        "file does not name"
    ]


def test_an_unfinished_suite_says_so_in_every_heading_and_lists_what_is_missing():
    doc = document(HOST_X86, TWO_RUNTIMES)
    doc.unfinished = ["nbody/default/wasmtime/jit", "nbody/large/native/default"]
    [block] = blocks_of(doc)
    assert block.heading.endswith("· size default · unfinished: 2 pairs not finished")
    assert block.not_measured == ["nbody · wasmtime:jit"]
    assert "**Not finished** (the suite was interrupted before these pairs had all their runs" in render(
        [block]
    )
    [finished] = blocks_of(document(HOST_X86, TWO_RUNTIMES))
    assert "unfinished" not in finished.heading and not finished.not_measured


def test_compare_judges_the_paired_ratios_too_where_both_sides_ran_in_rounds():
    """B's machine was 30 % slower for everything: its times are slower, but wasmtime's overhead
    over native, paired per round, did not change."""

    def suite(run_id: str, speed: float) -> ResultDocument:
        drift = [1.0, 1.02, 0.98, 1.01, 0.99, 1.0]
        native = [run(speed * d, round=i) for i, d in enumerate(drift)]
        wasm = [run(1.5 * speed * d * (1 + 0.002 * (-1) ** i), round=i) for i, d in enumerate(drift)]
        pairs = [entry("nbody", "native", "default", native), entry("nbody", "wasmtime", "jit", wasm)]
        return suite_document(HOST_X86, pairs, run_id)

    a, b = runs_frame([suite("a", 1.0)]), runs_frame([suite("b", 1.3)])
    times = comparison_frame(a, b).set_index("row")
    assert times.loc["wasmtime:jit", "verdict"] == "slower"
    ratios = ratio_comparison_frame(a, b).set_index("row")
    assert list(ratios.index) == ["wasmtime:jit"], "native against itself is no ratio"
    assert ratios.loc["wasmtime:jit", "verdict"] == "no significant difference"
    assert ratios.loc["wasmtime:jit", "ratio"] == pytest.approx(1.0, abs=0.01)
    assert comparison_frame(runs_frame([document(HOST_X86, TWO_RUNTIMES)]), a).shape[0] == 1
    assert ratio_comparison_frame(runs_frame([document(HOST_X86, TWO_RUNTIMES)]), a).empty
