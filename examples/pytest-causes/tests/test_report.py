"""The monthly report: published to a fixed file (contention) and built within its time budget (timing)."""

import os
import time
from pathlib import Path

from invoicing import build_report, publish_report, read_report

# A fixed file shared by every copy of the suite: .shared/report.txt in the project root.
SHARED_REPORT = Path(__file__).resolve().parent.parent / ".shared" / "report.txt"


# Contention: a fixed shared file and a 1 s window; two copies at once overwrite each other's report.
def test_published_report_is_ours():
    token = f"report of process {os.getpid()}"
    publish_report(SHARED_REPORT, token)
    time.sleep(1)  # the accounting job picks the report up a second later: the contention window
    assert read_report(SHARED_REPORT) == token, (
        f"{SHARED_REPORT} was overwritten by another run: {read_report(SHARED_REPORT)!r}"
    )


# Timing: about 30 ms of CPU; passes unless the CPU is shared with much busier work (wall > 5x CPU).
def test_report_is_built_within_its_time_budget():
    wall_start, cpu_start = time.perf_counter(), time.process_time()
    build_report(100_000)
    wall = time.perf_counter() - wall_start
    cpu = time.process_time() - cpu_start
    assert wall < 5 * cpu, (
        f"the report must be built within its time budget: {wall * 1000:.1f} ms of wall-clock time"
        f" for {cpu * 1000:.1f} ms of CPU (more than 5x)"
    )
