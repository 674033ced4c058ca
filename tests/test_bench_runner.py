"""bench/all.py's own logic, with fake benchmarks (no real one runs): a script's JSON figures
read back, a failing or silent script reported as such, the table and the Markdown page."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

BENCH = Path(__file__).parents[1] / "bench"


def _runner():
    """bench/all.py, loaded as the module ``bench_all`` (bench/ is scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("bench_all", BENCH / "all.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_all"] = module
    spec.loader.exec_module(module)
    return module


runner = _runner()
figures = sys.modules["figures"]  # the one bench/all.py imported (it puts bench/ on sys.path)

FAKE = """
import sys
sys.path.insert(0, {bench!r})
from figures import Figure, write_json
from pathlib import Path

print("a benchmark's printout")
write_json(Path(sys.argv[-1]), "fake", [
    Figure("ingest 10 movements", 12345.678, "movements/s", "mt940.parse", 20000.0, 0.6173,
           "ratio ≥ 0.5", True),
    Figure("precision", 99.123, "%", target="≥ 99.5%", met=False),
    Figure("balances() everyone", 0.31234, "s", "balance GROUP BY", 0.25, 1.249),
    Figure("top-1", float("nan"), "%"),
])
"""


def fake_script(tmp_path: Path, body: str) -> list[str]:
    script = tmp_path / "fake_bench.py"
    script.write_text(textwrap.dedent(body).format(bench=str(BENCH)))
    return [sys.executable, str(script), "--json", str(tmp_path / "fake.json")]


def run_fake(tmp_path: Path, body: str):
    command = fake_script(tmp_path, body)
    return runner.run_command(
        "fake", command, tmp_path / "fake.json", tmp_path / "fake.log", timeout=60
    )


def test_a_benchmarks_json_figures_are_read_back(tmp_path):
    outcome = run_fake(tmp_path, FAKE)
    assert outcome.error is None
    assert outcome.log.read_text() == "a benchmark's printout\n"
    assert outcome.figures == [
        figures.Figure("ingest 10 movements", 12345.678, "movements/s", "mt940.parse", 20000.0,
                       0.6173, "ratio ≥ 0.5", True),
        figures.Figure("precision", 99.123, "%", target="≥ 99.5%", met=False),
        figures.Figure("balances() everyone", 0.31234, "s", "balance GROUP BY", 0.25, 1.249),
        figures.Figure("top-1", None, "%"),  # NaN is not JSON: written as null
    ]  # fmt: skip


def test_the_table_shows_each_figure_with_its_baseline_ratio_and_target(tmp_path):
    table = runner.rows([run_fake(tmp_path, FAKE)])
    assert table == [
        ("ingest 10 movements", "12,346 movements/s", "20,000 movements/s (mt940.parse)", "0.62",
         "ratio ≥ 0.5 ✓"),
        ("precision", "99.12 %", "—", "—", "≥ 99.5% ✗"),
        ("balances() everyone", "0.312 s", "0.250 s (balance GROUP BY)", "1.25", "—"),
        ("top-1", "—", "—", "—", "—"),
    ]  # fmt: skip
    assert runner.text_table(table[:2]).splitlines() == [
        "figure                            value  baseline                          ratio  target",
        "-------------------  ------------------  --------------------------------  -----  -------------",
        "ingest 10 movements  12,346 movements/s  20,000 movements/s (mt940.parse)   0.62  ratio ≥ 0.5 ✓",
        "precision                       99.12 %  —                                     —  ≥ 99.5% ✗",
    ]  # fmt: skip


def test_a_failing_benchmark_gets_a_row_saying_why(tmp_path):
    failed = run_fake(tmp_path, "import sys; print('boom'); sys.exit(3)")
    assert (failed.error, failed.figures) == ("exit status 3", [])
    assert failed.log.read_text() == "boom\n"
    silent = run_fake(tmp_path, "print('no figures written')")
    assert silent.error.startswith("no figures: ")
    timed_out = runner.run_command(
        "slow", fake_script(tmp_path, "import time; time.sleep(30)"), tmp_path / "x.json",
        tmp_path / "slow.log", timeout=0.5,
    )  # fmt: skip
    assert timed_out.error == "no result within 0.5 s"
    good = run_fake(tmp_path, FAKE)
    table = runner.rows([failed, good])
    assert table[0] == ("fake: FAILED (exit status 3)", "—", "—", "—", "—")
    assert len(table) == 1 + len(good.figures)


def test_a_file_without_figures_is_refused(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"something": "else"}')
    with pytest.raises(ValueError, match="holds no figures"):
        figures.read_json(path)


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (123456.7, "rows/s", "123,457 rows/s"),
        (45.67, "ms", "45.7 ms"),
        (1.234, "", "1.23"),
        (0.01234, "s", "0.012 s"),
        (99.5, "%", "99.50 %"),
        (None, "s", "—"),
        (float("inf"), "s", "—"),
    ],
)
def test_numbers_read_as_people_read_them(value, unit, shown):
    assert runner.number(value, unit) == shown


def test_the_markdown_page_has_the_table_and_the_machine(tmp_path):
    answers = {
        "psql": "15.20 (Debian 15.20-0+deb12u1)",
        "rabbitmqctl": "3.10.8",
        "git rev-parse": "abc1234",
        "git status": " M bench/all.py",
    }

    def run(command: list[str]) -> str:
        joined = " ".join(command)
        return next((out for key, out in answers.items() if joined.startswith(key)), "")

    about = runner.machine(run)
    assert about["PostgreSQL"] == "15.20 (Debian 15.20-0+deb12u1)"
    assert about["RabbitMQ"] == "3.10.8"
    assert about["git commit"] == "abc1234 (with uncommitted changes)"
    page = runner.markdown(runner.rows([run_fake(tmp_path, FAKE)]), about, command="bench/all.py")
    lines = page.splitlines()
    assert lines[0] == "# Performance"
    start = lines.index("| figure | value | baseline | ratio | target |")
    assert lines[start + 1 : start + 3] == [
        "| --- | ---: | --- | ---: | --- |",
        "| ingest 10 movements | 12,346 movements/s | 20,000 movements/s (mt940.parse) | 0.62 | "
        "ratio ≥ 0.5 ✓ |",
    ]
    assert "- **RabbitMQ**: 3.10.8" in lines
    assert "- **git commit**: abc1234 (with uncommitted changes)" in lines


def test_every_benchmark_script_exists_and_takes_json():
    for bench in runner.BENCHES:
        source = bench.script.read_text()
        assert "add_json_option(parser)" in source and "write_json(" in source, bench.name
        command = bench.command(quick=True, json_path=Path("/tmp/x.json"))
        assert command[-2:] == ["--json", "/tmp/x.json"]


def test_a_busy_machine_is_said_on_the_page():
    assert runner.busy_note(0.8, 2) == ""
    note = runner.busy_note(7.25, 2)
    assert note.startswith("**The machine was busy when this run started** (load average 7.2 on 2")
    page = runner.markdown([], {}, command="bench/all.py", note=note)
    assert note.strip() in page.splitlines()
