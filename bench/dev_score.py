"""Score ddkg on the hand-annotated development articles (bench/dev/dev.gold.json).

The article texts are not in the repository (their licences do not allow it): they are read from
../shared/corpora at run time, written to a temporary folder, built with ``ddkg build`` and scored with
``../shared/eval/score.py``.

    python bench/dev_score.py [--notes]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def main(argv: list[str]) -> int:
    gold_path = REPO / "bench" / "dev" / "dev.gold.json"
    scorer = SHARED / "eval" / "score.py"
    if not scorer.exists():
        print(f"{scorer} is absent: nothing to score against", file=sys.stderr)
        return 2
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs"
        docs.mkdir()
        for d in gold["documents"]:
            src = d["source"]
            for line in (SHARED / src["jsonl"]).read_text(encoding="utf-8").splitlines():
                rec = json.loads(line)
                if rec["id"] == src["id"]:
                    (docs / d["file"]).write_bytes(rec["text"].encode("utf-8"))
                    break
            else:
                print(f"{src['jsonl']}: record {src['id']} not found", file=sys.stderr)
                return 2
        trig = Path(tmp) / "dev.trig"
        subprocess.run([sys.executable, "-m", "ddkg", "build", str(docs), "--store", str(Path(tmp) / "store"),
                        "--export", str(trig), "-q"], check=True)
        return subprocess.run([sys.executable, str(scorer), str(trig), str(gold_path), "--docs", str(docs),
                               *argv]).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
