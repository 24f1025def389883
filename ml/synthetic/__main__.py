"""``python -m ml.synthetic OUT_DIR --n N --seed S``: write a synthetic study set.

Synthetic, not clinical data.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ml.synthetic import generate_synthetic_set


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m ml.synthetic",
        description="Write synthetic CXR-like DICOM studies, notes and labels "
        "(synthetic, not clinical data).",
    )
    parser.add_argument("out_dir", type=Path, help="directory to write into")
    parser.add_argument("--n", type=int, default=600, help="number of studies (default 600)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--matrix", type=int, default=256, help="image side in pixels (256)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    generated = generate_synthetic_set(args.out_dir, n=args.n, seed=args.seed, matrix=args.matrix)
    elapsed = time.perf_counter() - started
    print(
        f"wrote {generated.n_studies} synthetic studies (seed {generated.seed}) to "
        f"{generated.root} in {elapsed:.1f} s — synthetic, not clinical data"
    )


if __name__ == "__main__":
    main()
