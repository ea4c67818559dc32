"""Run a command and write its wall seconds and peak resident memory to a file (JSON), for the
import benchmark. A process of its own, small, because Linux counts in a child's peak memory
(``ru_maxrss``) the memory of the process it was forked from: forked from the benchmark, which
holds the generated rows, even a tiny command would show the benchmark's size.

    python bench/peak.py OUT.json COMMAND ARG…
"""
import json
import os
import subprocess
import sys
import time


def main():
    out, command = sys.argv[1], sys.argv[2:]
    started = time.perf_counter()
    proc = subprocess.Popen(command)
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    with open(out, "w") as handle:
        json.dump({"seconds": seconds, "peak_bytes": usage.ru_maxrss * 1024,  # KiB on Linux
                   "returncode": os.waitstatus_to_exitcode(status)}, handle)


if __name__ == "__main__":
    main()
