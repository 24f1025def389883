"""CPU (or GPU) cost of explaining a study against predicting it.

For each of ``--studies`` synthetic studies (synthetic, not clinical data) it times
`Predictor.predict` on that one study, then `Explainer.explain` for the study's most probable
finding (Grad-CAM heat map + note word attributions + modality shares + the faithfulness
check: a full explanation of one finding) and, separately, for all of the study's positive
findings. The model: ``--checkpoint`` (e.g. the demo model, var/models/demo) or an untrained
checkpoint at ``--image-size`` (the same network and cost as a trained one).

    .venv/bin/python bench/explain.py [--studies 8] [--checkpoint DIR] [--out FILE]

Prints one JSON object on stdout: medians over studies, in wall seconds, and the ratio
explanation / prediction.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.append(str(REPO_ROOT))

import captum  # noqa: E402
import torch  # noqa: E402
from machine import emit, machine_fields  # noqa: E402
from workload import model_and_studies  # noqa: E402  (bench/ is sys.path[0] when a script runs)

from ml.checkpoint import read_model_card  # noqa: E402
from ml.explain import Explainer, ExplainSettings  # noqa: E402
from ml.inference import Predictor  # noqa: E402


def _timed(run: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--studies", type=int, default=8)
    parser.add_argument("--checkpoint", type=Path, help="default: an untrained checkpoint")
    parser.add_argument("--image-size", type=int, default=112, help="for the untrained one")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="consilium-bench-") as scratch:
        root = Path(scratch)
        checkpoint, studies = model_and_studies(
            root,
            checkpoint=args.checkpoint,
            image_size=args.image_size,
            studies=args.studies,
            seed=321,
        )
        predictor = Predictor.load(checkpoint, device=args.device)
        explainer = Explainer(predictor, ExplainSettings())
        (warm,) = predictor.predict(studies[:1], batch_size=1)
        explainer.explain(studies[0], [warm.findings[0].finding])  # warm-up

        predict_s, explain_s, explain_positive_s, positives = [], [], [], []
        for study in studies:
            seconds, (prediction,) = _timed(lambda s=study: predictor.predict([s], batch_size=1))
            predict_s.append(seconds)
            top = max(prediction.findings, key=lambda f: f.probability).finding
            explain_s.append(_timed(lambda s=study, t=top: explainer.explain(s, [t]))[0])
            positive = [f.finding for f in prediction.findings if f.positive]
            positives.append(len(positive))
            if positive:
                explain_positive_s.append(
                    _timed(lambda s=study, p=positive: explainer.explain(s, p))[0]
                )
        card = read_model_card(checkpoint)

    predict = statistics.median(predict_s)
    explain = statistics.median(explain_s)
    result = {
        "benchmark": "explain",
        "model": f"{card.name} {card.version}",
        "image_size": card.preprocessing["image_size"],
        "studies": len(studies),
        "settings": explainer.record(),
        "predict_s_per_study": predict,
        "explain_s_per_finding": explain,
        "explain_over_predict": explain / predict,
        "positive_findings_per_study": statistics.mean(positives),
        "explain_all_positive_s_per_study": (
            statistics.median(explain_positive_s) if explain_positive_s else None
        ),
        "captum": captum.__version__,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "device": str(predictor.device),
        **machine_fields(),
    }
    emit(result, args.out)


if __name__ == "__main__":
    main()
