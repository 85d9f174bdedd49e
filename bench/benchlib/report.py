"""Summaries of measured runs: the terminal table and docs/benchmarks.md.

The Markdown file is rendered entirely from data kept in an HTML comment at
its end, so running some scenarios again replaces their sections and keeps
the others (with the run they came from). Text between the notes markers is
kept as written.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

NOTES_START = "<!-- notes:start -->"
NOTES_END = "<!-- notes:end -->"
DATA_RE = re.compile(r"<!-- bench-data\n(.*?)\n-->", re.S)
NOTES_RE = re.compile(re.escape(NOTES_START) + r"\n?(.*?)" + re.escape(NOTES_END), re.S)


def seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def megabytes(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} MB"


def _time_cell(stats: dict[str, Any]) -> str:
    if stats["status"] == "skipped":
        return "not run"
    if stats["status"] == "broken":
        return "BROKEN"
    return seconds(stats["median"])


def _spread(stats: dict[str, Any]) -> str:
    runs = stats.get("runs") or []
    if stats["status"] != "ok" or not runs:
        return ""
    return f"{seconds(min(runs))}-{seconds(max(runs))} (n={len(runs)})"


def _speedups(stats: dict[str, Any]) -> str:
    return ", ".join(f"{factor:.1f}x vs {label}" for label, factor in stats.get("speedups", []))


def _goals(stats: dict[str, Any]) -> str:
    marks = {
        "met": "met",
        "missed": "MISSED",
        "broken": "not met (run broken)",
        None: "not judged (reference not run)",
    }
    text = "; ".join(f"{goal}: {marks[verdict]}" for goal, verdict in stats.get("goals", []))
    why = _why(stats)
    return f"{text} ({why})" if text and why else text or why


def _why(stats: dict[str, Any]) -> str:
    if stats["status"] == "skipped":
        return stats.get("reason", "")
    if stats["status"] == "broken":
        return "; ".join(stats.get("problems", [])[:3])
    return ""


def table(results: dict[str, dict[str, Any]]) -> str:
    """A plain-text table of every scenario's cases."""
    header = ("scenario", "case", "median", "runs", "peak RSS", "speed-up", "goals")
    rows: list[tuple[str, ...]] = [header]
    for name, scenario in results.items():
        for stats in scenario["cases"]:
            goals = _goals(stats)
            rows.append(
                (
                    name,
                    stats["label"],
                    _time_cell(stats),
                    _spread(stats),
                    megabytes(stats.get("rss")),
                    _speedups(stats),
                    goals,
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = []
    for index, row in enumerate(rows):
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)] + [
            row[-1]
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths) + "  -----")
    return "\n".join(lines)


def _markdown_scenario(name: str, scenario: dict[str, Any]) -> list[str]:
    out = [
        f"### {name}: {scenario['title']}",
        "",
        scenario["description"],
        "",
        f"Measured in run {scenario['run']}.",
        "",
        "| Case | Median wall time | Min-max (runs) | Controller peak RSS | Speed-up | Goal |",
        "|---|---:|---|---:|---|---|",
    ]
    for stats in scenario["cases"]:
        goal = _goals(stats)
        out.append(
            f"| {stats['label']} | {_time_cell(stats)} | {_spread(stats)} | "
            f"{megabytes(stats.get('rss'))} | {_speedups(stats)} | {goal} |"
        )
    out.append("")
    return out


def _markdown_run(run_id: str, info: dict[str, Any]) -> list[str]:
    out = [f"### Run {run_id}", ""]
    for key, label in (
        ("date", "Date"),
        ("command", "Command"),
        ("uname", "Machine (`uname -a`)"),
        ("cpu", "CPU"),
        ("memory", "Memory"),
        ("load_start", "Load average at start (1/5/15 min)"),
        ("load_end", "Load average at end"),
        ("python", "Python (longplay controller)"),
        ("longplay", "longplay"),
        ("ansible", "ansible-core"),
        ("ansible_python", "Python (ansible-core controller)"),
        ("mitogen", "mitogen"),
        ("mitogen_note", "Mitogen environment"),
        ("target_python", "Python on the targets (both tools)"),
        ("sshd", "sshd"),
        ("repeat", "Timed runs per case"),
    ):
        if info.get(key) not in (None, ""):
            out.append(f"- {label}: {info[key]}")
    out.append("")
    return out


def _load(path: Path) -> tuple[dict[str, Any], str]:
    if not path.exists():
        return {"runs": {}, "scenarios": {}}, ""
    text = path.read_text()
    data_match = DATA_RE.search(text)
    notes_match = NOTES_RE.search(text)
    data = json.loads(data_match.group(1)) if data_match else {"runs": {}, "scenarios": {}}
    return data, (notes_match.group(1) if notes_match else "")


def write_markdown(
    path: Path,
    run_id: str,
    run_info: dict[str, Any],
    results: dict[str, dict[str, Any]],
    order: list[str],
    method: str,
) -> None:
    """Merge this run's scenarios into ``path`` and render it again."""
    data, notes = _load(path)
    data["runs"][run_id] = run_info
    for name, scenario in results.items():
        data["scenarios"][name] = dict(scenario, run=run_id)
    used = {s["run"] for s in data["scenarios"].values()}
    data["runs"] = {k: v for k, v in data["runs"].items() if k in used}
    names = [n for n in order if n in data["scenarios"]]
    names += [n for n in data["scenarios"] if n not in names]
    lines = [
        "# Benchmarks",
        "",
        "<!-- Generated by `bench/run.py --markdown`. Edit only between the notes markers. -->",
        "",
        method.strip(),
        "",
        "## Results",
        "",
    ]
    for name in names:
        lines += _markdown_scenario(name, data["scenarios"][name])
    lines += ["## Machines and versions", ""]
    for run_id_, info in sorted(data["runs"].items()):
        lines += _markdown_run(run_id_, info)
    lines += [
        "## Notes",
        "",
        NOTES_START,
        notes.strip("\n"),
        NOTES_END,
        "",
        "<!-- bench-data",
        json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False).replace("-->", "--\\u003e"),
        "-->",
        "",
    ]
    path.write_text("\n".join(lines))
