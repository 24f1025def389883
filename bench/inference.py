"""Throughput and peak memory of `ml.inference.Predictor.predict` by batch size, and batched
(batch 32) against one study at a time.

Studies: ``--studies`` synthetic ones (synthetic, not clinical data) written by `ml.synthetic`
into a temporary directory — a CXR-like DICOM file and a note each. The model: ``--checkpoint``
if given (e.g. the demo model in var/models/demo), else an untrained checkpoint built on the fly
at ``--image-size`` (the same network and cost as a trained one).

Both ways include everything `predict` does: DICOM decoding and the MONAI transform, note
tokenisation, the text encoder, the image encoder and the fusion. After one warm-up pass, each
way runs ``--repeat`` times and the median is reported, as CPU seconds of this process
(``time.process_time``, all threads) and wall seconds, per study. ``--batch-sizes`` (default
1..64, swept upwards) adds studies per second and peak memory per batch size: on CUDA the peak
of allocated GPU memory, on the CPU the peak resident memory of the process (sampled every 2 ms),
each with its rise over the level before the run.

``--precision`` (default ``auto``, what the platform's predictor uses: bf16 on CUDA and on CPUs
with native bf16, fp32 elsewhere) sets the arithmetic; when it is not fp32, the same studies are
also predicted in fp32 and ``against_float32`` reports the largest and mean probability
difference and the share of positive/negative decisions that agree.

    .venv/bin/python bench/inference.py [--studies 64] [--repeat 3] [--checkpoint DIR]
        [--device auto|cpu|cuda] [--precision auto|float32|bfloat16|float16]
        [--batch-sizes 1,2,4,8,16,32,64]

Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.append(str(REPO_ROOT))

import torch  # noqa: E402
from machine import emit, machine_fields  # noqa: E402
from workload import model_and_studies  # noqa: E402  (bench/ is sys.path[0] when a script runs)

from ml.checkpoint import read_model_card  # noqa: E402
from ml.demo import DEMO_IMAGE_SIZE  # noqa: E402
from ml.devices import PRECISIONS, autocast  # noqa: E402
from ml.inference import Predictor  # noqa: E402


class PeakMemory:
    """Peak memory while a block runs: CUDA allocations, or resident memory sampled every 2 ms."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.peak_bytes = 0  # absolute
        self.rise_bytes = 0  # over the level when the block started

    @staticmethod
    def _resident() -> int:
        try:
            with open("/proc/self/statm") as statm:
                return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:  # not Linux: the process' high-water mark (not reset between runs)
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def __enter__(self) -> PeakMemory:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self._base = torch.cuda.memory_allocated(self.device)
            return self
        self._base = self._resident()
        self._peak = self._base
        self._stop = threading.Event()

        def sample() -> None:
            while not self._stop.wait(0.002):
                self._peak = max(self._peak, self._resident())

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            self.peak_bytes = torch.cuda.max_memory_allocated(self.device)
        else:
            self._stop.set()
            self._thread.join()
            self.peak_bytes = max(self._peak, self._resident())
        self.rise_bytes = self.peak_bytes - self._base


def _sweep(
    predictor: Predictor, studies: list, batch_sizes: list[int], repeat: int
) -> list[dict[str, float]]:
    """Studies per second and peak memory at each batch size (after a warm-up at that size)."""
    rows = []
    for batch_size in batch_sizes:
        predictor.predict(studies[:batch_size], batch_size=batch_size)
        with PeakMemory(predictor.device) as memory:
            timing = _measure(
                lambda size=batch_size: predictor.predict(studies, batch_size=size), repeat
            )
        rows.append(
            {
                "batch_size": batch_size,
                "studies_per_s": len(studies) / timing["wall_s"],
                "wall_s_per_study": timing["wall_s"] / len(studies),
                "cpu_s_per_study": timing["cpu_s"] / len(studies),
                "peak_memory_mib": memory.peak_bytes / 2**20,
                "memory_rise_mib": memory.rise_bytes / 2**20,
            }
        )
        print(f"batch {batch_size}: {rows[-1]['studies_per_s']:.1f} studies/s", file=sys.stderr)
    return rows


def _against_float32(
    predictor: Predictor, checkpoint: Path, studies: list, batch_size: int
) -> dict[str, float] | None:
    """How far ``predictor``'s probabilities are from fp32 ones on the same device (None in fp32)."""
    if predictor.dtype == torch.float32:
        return None
    exact = Predictor.load(checkpoint, device=str(predictor.device), precision="float32")
    pairs = [
        (a, b)
        for one, other in zip(
            predictor.predict(studies, batch_size=batch_size),
            exact.predict(studies, batch_size=batch_size),
            strict=True,
        )
        for a, b in zip(one.findings, other.findings, strict=True)
    ]
    differences = [abs(a.probability - b.probability) for a, b in pairs]
    return {
        "max_abs_probability_difference": max(differences),
        "mean_abs_probability_difference": statistics.fmean(differences),
        "decision_agreement": sum(a.positive == b.positive for a, b in pairs) / len(pairs),
    }


def _stages(
    predictor: Predictor, studies: list, batch_sizes: tuple[int, ...], repeat: int
) -> dict[str, dict[str, float]]:
    """Wall milliseconds per study of each stage of ``predict`` at each batch size:
    ``preprocessing`` (DICOM decoding, the MONAI transform, tokenisation), ``image_encoder``,
    ``text_encoder`` and ``fusion``, each timed over the whole set on its own inputs, with the
    text encoder's tokens per note and the rate its matrix products reach (GFLOP/s: two per
    weight per token, attention left out). They show which stage batching shares and which it
    cannot."""
    return {str(size): _stage_row(predictor, studies, size, repeat) for size in batch_sizes}


def _stage_row(predictor: Predictor, studies: list, size: int, repeat: int) -> dict[str, float]:
    model = predictor.compute_model  # what predict() runs, its weights already in its dtype
    groups = [studies[i : i + size] for i in range(0, len(studies), size)]
    prepared = [predictor.prepare(group) for group in groups]
    tokens = sum(int(p.windows.attention_mask.sum()) for p in prepared)

    def per_study(run: Callable[[], object]) -> float:
        run()  # warm-up
        return _measure(run, repeat)["wall_s"] / len(studies) * 1000

    row = {"preprocessing_ms": per_study(lambda: [predictor.prepare(g) for g in groups])}
    with torch.inference_mode(), autocast(predictor.device, predictor.dtype):
        row["image_encoder_ms"] = per_study(
            lambda: [model.image_encoder(p.images) for p in prepared]
        )
        row["text_encoder_ms"] = per_study(
            lambda: [model.encode_notes(p.windows) for p in prepared]
        )
        features = [
            (model.image_encoder(p.images), model.encode_notes(p.windows)) for p in prepared
        ]
        row["fusion_ms"] = per_study(
            lambda: [
                model.fusion(i.feature_map, i.pooled, p.image_present, t.tokens, t.mask)
                for (i, t), p in zip(features, prepared, strict=True)
            ]
        )
    text_weights = sum(
        module.weight.numel()
        for module in model.text_encoder.modules()
        if isinstance(module, torch.nn.Linear)
    )
    row["tokens_per_note"] = tokens / len(studies)
    row["text_encoder_gflop_per_s"] = (
        2 * text_weights * row["tokens_per_note"] / (row["text_encoder_ms"] / 1000) / 1e9
    )
    return row


def _measure(run: Callable[[], object], repeat: int) -> dict[str, float]:
    cpu, wall = [], []
    for _ in range(repeat):
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        run()
        cpu.append(time.process_time() - cpu_start)
        wall.append(time.perf_counter() - wall_start)
    return {"cpu_s": statistics.median(cpu), "wall_s": statistics.median(wall)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--studies", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--checkpoint", type=Path, help="default: an untrained checkpoint")
    parser.add_argument(
        "--image-size",
        type=int,
        default=DEMO_IMAGE_SIZE,
        help="for the untrained one (default: the demo model's)",
    )
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    parser.add_argument("--precision", default="auto", choices=PRECISIONS)
    parser.add_argument(
        "--batch-sizes",
        default="1,2,4,8,16,32,64",
        help="comma-separated batch sizes to sweep; empty: no sweep",
    )
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="consilium-bench-") as scratch:
        root = Path(scratch)
        checkpoint, studies = model_and_studies(
            root,
            checkpoint=args.checkpoint,
            image_size=args.image_size,
            studies=args.studies,
            seed=123,
        )
        predictor = Predictor.load(checkpoint, device=args.device, precision=args.precision)
        predictor.predict(studies[: args.batch_size], batch_size=args.batch_size)  # warm-up
        predictor.predict(studies[:1], batch_size=1)

        batched = _measure(
            lambda: predictor.predict(studies, batch_size=args.batch_size), args.repeat
        )
        one_by_one = _measure(
            lambda: [predictor.predict([study], batch_size=1) for study in studies], args.repeat
        )
        sweep = _sweep(
            predictor,
            studies,
            [int(size) for size in args.batch_sizes.split(",") if size.strip()],
            args.repeat,
        )
        stages = _stages(predictor, studies, (1, args.batch_size), args.repeat)
        against_float32 = _against_float32(predictor, checkpoint, studies, args.batch_size)
        card = read_model_card(checkpoint)

    per_study = {
        name: {key: value / len(studies) for key, value in timing.items()}
        for name, timing in (("batched", batched), ("one_by_one", one_by_one))
    }
    result = {
        "benchmark": "inference",
        "model": f"{card.name} {card.version}",
        "image_encoder": card.image_encoder,
        "image_size": card.preprocessing["image_size"],
        "studies": len(studies),
        "batch_size": args.batch_size,
        "repeat": args.repeat,
        "batched_cpu_s_per_study": per_study["batched"]["cpu_s"],
        "batched_wall_s_per_study": per_study["batched"]["wall_s"],
        "one_by_one_cpu_s_per_study": per_study["one_by_one"]["cpu_s"],
        "one_by_one_wall_s_per_study": per_study["one_by_one"]["wall_s"],
        "speedup_cpu": per_study["one_by_one"]["cpu_s"] / per_study["batched"]["cpu_s"],
        "speedup_wall": per_study["one_by_one"]["wall_s"] / per_study["batched"]["wall_s"],
        "precision": predictor.precision,
        "stages_by_batch_size": stages,
        "against_float32": against_float32,
        "torch": torch.__version__,
        "by_batch_size": sweep,
        "torch_threads": torch.get_num_threads(),
        "device": str(predictor.device),
        "gpu": torch.cuda.get_device_name(predictor.device)
        if predictor.device.type == "cuda"
        else None,
        **machine_fields(),
    }
    emit(result, args.out)


if __name__ == "__main__":
    main()
