"""Time agentscaffold against plain Copier on the same template.

    python benchmarks/bench.py [--runs 7]

Prints the median wall time of each command over several runs and the ratio
of ours to Copier's. Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def median_seconds(command: list[str], runs: int, fresh_dest: bool) -> float:
    timings = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            dest = Path(tmp) / "kit"
            argv = [part.replace("{dest}", str(dest)) for part in command]
            start = time.perf_counter()
            result = subprocess.run(argv, capture_output=True, text=True)
            timings.append(time.perf_counter() - start)
            if result.returncode != 0:
                sys.exit(f"{' '.join(argv)} failed:\n{result.stderr}")
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs

    # Copy the template out of the checkout so both tools read a plain folder.
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template"
        template.mkdir()
        shutil.copy(REPO_ROOT / "copier.yml", template)
        shutil.copytree(REPO_ROOT / "templates", template / "templates")

        cases = {
            "agentscaffold --help": ([str(BIN / "agentscaffold"), "--help"], None),
            "agentscaffold new --defaults": (
                [str(BIN / "agentscaffold"), "new", "{dest}", "--defaults", "--template", str(template)],
                "copier copy --defaults",
            ),
            "copier copy --defaults": ([str(BIN / "copier"), "copy", "--defaults", "--quiet", str(template), "{dest}"], None),
        }
        results = {name: median_seconds(command, runs, True) for name, (command, _) in cases.items()}

    print(f"median of {runs} runs")
    for name, seconds in results.items():
        print(f"  {name:<32} {seconds * 1000:8.0f} ms")
    for name, (_, baseline) in cases.items():
        if baseline:
            print(f"  ratio {name} / {baseline}: {results[name] / results[baseline]:.2f}")


if __name__ == "__main__":
    main()
