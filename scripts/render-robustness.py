#!/usr/bin/env python3
"""Renders docs/robustness.md from what the test suite observed.

Each robustness test (hostile client, misbehaving app, injected fault) appends one JSON line,
{"section", "scenario", "outcome"}, to tests/artifacts/robustness.jsonl once its assertions passed
(tests/Dram.Tests/Infrastructure/RobustnessLog.cs). This script turns those lines into one table
per section and appends the latest soak summary (bench/SOAK.md, written by bench/soak.py).
tests/run.sh runs it after a passing full run.

    scripts/render-robustness.py [--results FILE] [--soak FILE] [--output FILE]
"""
import argparse
import datetime
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Known sections come first, in this order, each with a line saying what its rows are; any other
# section found in the results follows, alphabetically, without one.
KNOWN_SECTIONS = {
    "Hostile clients": "What a client sends to break or exhaust the server, and what Dram does about it.",
    "Misbehaving apps": "What a WSGI app does wrong, from breaking PEP 3333 to crashing its process, and what "
                        "the client gets, what the log says and what happens to the worker.",
    "Faults": "Failures injected from outside (signals, killed processes, exhausted resources) and how Dram recovers.",
}


class RenderError(Exception):
    pass


def main(argv):
    parser = argparse.ArgumentParser(description="Render docs/robustness.md from the robustness results of the last test run.")
    parser.add_argument("--results", default=os.environ.get("DRAM_ROBUSTNESS_RESULTS") or os.path.join(ROOT, "tests", "artifacts", "robustness.jsonl"),
                        help="JSON lines written by the tests (default: $DRAM_ROBUSTNESS_RESULTS or tests/artifacts/robustness.jsonl)")
    parser.add_argument("--soak", default=os.path.join(ROOT, "bench", "SOAK.md"), help="the soak summary to include (default: bench/SOAK.md)")
    parser.add_argument("--output", default=os.path.join(ROOT, "docs", "robustness.md"), help="where to write (default: docs/robustness.md)")
    args = parser.parse_args(argv)
    try:
        rows = read_results(args.results)
        soak = read_soak(args.soak)
        text = render(rows, soak, results_stamp(args.results), relative(args.results), relative(args.soak))
    except RenderError as e:
        print(f"render-robustness: {e}", file=sys.stderr)
        return 2
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w", encoding="utf-8") as out:
        out.write(text)
    sections = len({row["section"] for row in rows})
    print(f"render-robustness: wrote {relative(args.output)}: {len(rows)} cases in {sections} sections"
          + ("" if soak is None else ", soak summary included"))
    return 0


def read_results(path):
    """The distinct rows of the results file, in file order; fails on a missing file or a bad line."""
    if not os.path.isfile(path):
        raise RenderError(f"no results at {path}: run the test suite first (./tests/run.sh)")
    rows, seen = [], set()
    with open(path, encoding="utf-8") as results:
        for number, line in enumerate(results, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise RenderError(f"{path} line {number} is not JSON ({e.msg}): {line.strip()[:120]}")
            if not isinstance(row, dict):
                raise RenderError(f"{path} line {number}: expected an object with section, scenario and outcome, got {type(row).__name__}")
            missing = [key for key in ("section", "scenario", "outcome") if not isinstance(row.get(key), str) or not row[key].strip()]
            if missing:
                raise RenderError(f"{path} line {number}: missing or empty {', '.join(missing)}: {line.strip()[:120]}")
            key = (row["section"].strip(), row["scenario"].strip(), row["outcome"].strip())
            # A test run twice (a retried or repeated theory row) records the same row twice: show it once.
            if key not in seen:
                seen.add(key)
                rows.append({"section": key[0], "scenario": key[1], "outcome": key[2]})
    if not rows:
        raise RenderError(f"{path} holds no results: did the robustness tests run?")
    return rows


def read_soak(path):
    """The soak summary's body (its own top heading dropped, its headings moved under ours), or None."""
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as soak:
        lines = soak.read().rstrip("\n").split("\n")
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    return "\n".join("#" + line if line.startswith("#") else line for line in lines).strip("\n")


def section_order(name):
    names = list(KNOWN_SECTIONS)
    return (0, names.index(name), "") if name in KNOWN_SECTIONS else (1, 0, name.casefold())


def cell(text):
    """Text safe inside a Markdown table cell: one line; pipes, HTML and backslash escapes neutralised."""
    text = " ".join(text.split())
    text = re.sub(r"\\(?=[!-/:-@\[-`{-~]|$)", r"\\\\", text)
    return text.replace("|", "\\|").replace("<", "&lt;")


def render(rows, soak, stamp, results_name, soak_name):
    sections = {}
    for row in rows:
        sections.setdefault(row["section"], []).append(row)
    out = [
        "# Robustness",
        "",
        "<!-- Generated by scripts/render-robustness.py; edits here are overwritten. -->",
        "",
        "What Dram was seen to do when clients attack it, apps misbehave and processes fail. The tables are",
        "generated from the last test run: every robustness test records its case after its assertions",
        f"passed (`RobustnessLog.Record` in the xunit suite, into `{results_name}`), and",
        "`scripts/render-robustness.py` renders them here; `./tests/run.sh` does both, clearing the results",
        "before the suite and rendering after a passing run. A row is an outcome a test asserted, not a",
        "description of intent.",
        "",
        f"Last test run: {stamp}. Sections: " + ", ".join(f"[{name}](#{anchor(name)}) ({len(sections[name])})" for name in sorted(sections, key=section_order)) + ".",
        "",
    ]
    for name in sorted(sections, key=section_order):
        out.append(f"## {name}")
        out.append("")
        if name in KNOWN_SECTIONS:
            out.append(KNOWN_SECTIONS[name])
            out.append("")
        out.append("| scenario | what Dram did |")
        out.append("|---|---|")
        for row in sorted(sections[name], key=lambda r: (r["scenario"].casefold(), r["scenario"], r["outcome"])):
            out.append(f"| {cell(row['scenario'])} | {cell(row['outcome'])} |")
        out.append("")
    out.append("## Soak test")
    out.append("")
    if soak is None:
        out.append(f"No soak summary yet: `bench/soak.py` writes `{soak_name}` (see bench/README.md).")
    else:
        out.append(f"The latest run of `bench/soak.py` (long mixed traffic while workers are killed, reloaded and recycled), from `{soak_name}`:")
        out.append("")
        out.append(soak)
    out.append("")
    return "\n".join(out)


def anchor(title):
    """GitHub's anchor for a heading: lower case, spaces to dashes, punctuation dropped."""
    return "".join(c for c in title.lower().replace(" ", "-") if c.isalnum() or c in "-_")


def results_stamp(path):
    when = datetime.datetime.fromtimestamp(os.path.getmtime(path), tz=datetime.timezone.utc)
    return when.strftime("%Y-%m-%d %H:%M UTC")


def relative(path):
    full = os.path.abspath(path)
    return os.path.relpath(full, ROOT) if full.startswith(ROOT + os.sep) else full


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
