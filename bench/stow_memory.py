"""Peak memory of the web process while it takes one large STOW-RS request.

Starts the platform's WSGI app under gunicorn (as `make run` does, in a throw-away VAR_DIR with
its own SQLite database and media), then POSTs one `multipart/related; type="application/dicom"`
body of about ``--megabytes`` MB to /dicomweb/studies: copies of one real DICOM file (default:
pydicom-data's MR2_UNCR.dcm, a 2 MB uncompressed MR), each with fresh Study/Series/SOP Instance
UIDs. The body is produced by a generator part by part while it is sent, never held whole in
this process's memory either; its length is counted beforehand by a first pass over the same
generator, so the request carries a Content-Length.

While the request runs, the RSS of the gunicorn master and of every worker is sampled from
/proc every ``--interval`` seconds; at the end each process's kernel high-water mark (VmHWM) is
read as well, so a peak between two samples is not missed. Linux only (/proc).

    .venv/bin/python bench/stow_memory.py [--megabytes 500] [--source FILE] [--out FILE]

Prints one JSON object on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pydicom

REPO_ROOT = Path(__file__).resolve().parents[1]
from machine import cpu_name, emit  # noqa: E402  (bench/ is sys.path[0] when a script runs)

BOUNDARY = "consilium-bench-stow-memory"
UID_ROOT = "1.2.826.0.1.3680043.8.498."  # pydicom's root for generated UIDs
MB = 1024 * 1024


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the request body -----------------------------------------------------------------------


def fixed_length_uid(kind: int, n: int) -> str:
    """UIDs of one length, so every copy of the instance serialises to the same size."""
    return f"{UID_ROOT}{kind}.{10**15 + n}"


def instance_copy(dataset: pydicom.Dataset, n: int, *, run: int) -> bytes:
    """The instance as copy `n`: the UIDs are rewritten in place before each serialisation."""
    dataset.StudyInstanceUID = fixed_length_uid(1, run)
    dataset.SeriesInstanceUID = fixed_length_uid(2, run)
    dataset.SOPInstanceUID = fixed_length_uid(3, run * 100_000 + n)
    dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    dataset.InstanceNumber = n + 1
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def stow_parts(template: pydicom.Dataset, count: int, *, run: int) -> Iterator[bytes]:
    """The body, one part at a time."""
    head = f"--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n".encode()
    for n in range(count):
        yield head + instance_copy(template, n, run=run) + b"\r\n"
    yield f"--{BOUNDARY}--\r\n".encode()


class Body:
    """An iterable body that reports how much of it has gone out."""

    def __init__(self, template: pydicom.Dataset, count: int, *, run: int) -> None:
        self.template, self.count, self.run = template, count, run
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in stow_parts(self.template, self.count, run=self.run):
            self.sent += len(chunk)
            yield chunk


# --- the web process ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def start_gunicorn(env: dict[str, str], port: int, workers: int, log_path: Path):
    # The same server and options as `make run` (run_platform), one worker unless told.
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "consilium.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--timeout",
        "900",
        "--graceful-timeout",
        "10",
    ]
    handle = log_path.open("wb")
    return subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_until_serving(
    port: int, server: subprocess.Popen, log_path: Path, timeout: float = 120
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log_path.read_text(errors='replace')[-3000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/fhir/metadata")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within {timeout:.0f} s")


# --- memory ---------------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces; the parent pid follows the closing parenthesis.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler(threading.Thread):
    """Samples the RSS of the master and its workers until stopped."""

    def __init__(self, master: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.master, self.interval = master, interval
        self.peak_kb: dict[int, int] = {}
        self.peak_total_kb = 0
        self.samples = 0
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            total = 0
            for pid in [self.master, *children(self.master)]:
                rss = status_kb(pid, "VmRSS")
                self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), rss)
                total += rss
            self.peak_total_kb = max(self.peak_total_kb, total)
            self.samples += 1
            self.halt.wait(self.interval)


def rss_mb(kb: int) -> float:
    return round(kb / 1024, 1)


# --- the run --------------------------------------------------------------------------------


def default_source() -> Path:
    from pydicom.data import get_testdata_file

    path = get_testdata_file("MR2_UNCR.dcm")  # pydicom-data (the dev extra)
    return Path(path) if path else Path(get_testdata_file("CT_small.dcm"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--megabytes", type=float, default=500, help="request size (MiB)")
    parser.add_argument(
        "--source", type=Path, help="the DICOM file to copy (default: MR2_UNCR.dcm)"
    )
    parser.add_argument("--web-workers", type=int, default=1)
    parser.add_argument("--interval", type=float, default=0.05, help="RSS sampling period (s)")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)

    source = args.source or default_source()
    template = pydicom.dcmread(source)
    part_bytes = len(next(stow_parts(template, 1, run=0)))
    count = max(1, round(args.megabytes * MB / part_bytes))

    with tempfile.TemporaryDirectory(prefix="consilium-stow-bench-") as scratch:
        var = Path(scratch)
        env = {
            **os.environ,
            "VAR_DIR": str(var),
            "MEDIA_ROOT": str(var / "media"),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEID_SECRET"):
            env.pop(name, None)  # a database and secrets of its own, in the scratch VAR_DIR
        log("Migrating a scratch database…")
        manage(env, "migrate", "--no-input", "-v", "0")
        token = manage(env, "create_api_token", "--site", "bench", "--name", "bench-pacs")
        port = free_port()
        server_log = var / "gunicorn.log"
        server = start_gunicorn(env, port, args.web_workers, server_log)
        try:
            wait_until_serving(port, server, server_log)
            headers = {
                "Authorization": f"Bearer {token}",
                "Content-Type": f'multipart/related; type="application/dicom"; boundary={BOUNDARY}',
            }
            # Warm-up: one instance, so imports and first-request work are in the baseline.
            warm = b"".join(stow_parts(template, 1, run=1))
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
            connection.request("POST", "/dicomweb/studies", body=warm, headers=headers)
            warm_status = connection.getresponse()
            warm_status.read()
            if warm_status.status != 200:
                raise SystemExit(f"warm-up STOW answered {warm_status.status}")
            workers = children(server.pid)
            baseline_kb = {pid: status_kb(pid, "VmRSS") for pid in [server.pid, *workers]}

            total_bytes = sum(len(chunk) for chunk in stow_parts(template, count, run=2))
            log(
                f"Sending {count} instances of {source.name} ({total_bytes / MB:.0f} MiB) "
                f"to gunicorn pid {server.pid}…"
            )
            body = Body(template, count, run=2)
            sampler = RssSampler(server.pid, args.interval)
            sampler.start()
            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
            connection.request(
                "POST",
                "/dicomweb/studies",
                body=body,
                headers={**headers, "Content-Length": str(total_bytes)},
            )
            response = connection.getresponse()
            answer = response.read()
            elapsed = time.perf_counter() - started
            sampler.halt.set()
            sampler.join()
            high_water_kb = {pid: status_kb(pid, "VmHWM") for pid in [server.pid, *workers]}
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)

    try:
        outcome = json.loads(answer)
    except ValueError:
        outcome = {}
    stored = len(outcome.get("00081199", {}).get("Value", []))
    failed = len(outcome.get("00081198", {}).get("Value", []))
    worker_peaks = {
        pid: max(sampler.peak_kb.get(pid, 0), high_water_kb.get(pid, 0)) for pid in workers
    }
    result = {
        "benchmark": "stow_memory",
        "status": response.status,
        "instances_sent": count,
        "instances_stored": stored,
        "instances_failed": failed,
        "source": source.name,
        "request_mb": round(total_bytes / MB, 1),
        "body_sent_mb": round(body.sent / MB, 1),
        "seconds": round(elapsed, 1),
        "throughput_mb_per_s": round(total_bytes / MB / elapsed, 1),
        "web_workers": len(workers),
        "peak_worker_rss_mb": rss_mb(max(worker_peaks.values(), default=0)),
        "baseline_worker_rss_mb": rss_mb(max((baseline_kb[pid] for pid in workers), default=0)),
        "peak_master_rss_mb": rss_mb(
            max(sampler.peak_kb.get(server.pid, 0), high_water_kb.get(server.pid, 0))
        ),
        "peak_total_rss_mb": rss_mb(sampler.peak_total_kb),
        "rss_samples": sampler.samples,
        "target_mb": 300,
        "python": platform.python_version(),
        "cpu": cpu_name(),
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    result["under_target"] = result["peak_worker_rss_mb"] < result["target_mb"]
    emit(result, args.out)
    if response.status != 200:
        log(f"STOW answered {response.status}: {answer[:500]!r}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
