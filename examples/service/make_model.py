"""Write model.json: BG/NBD and Gamma-Gamma fitted on the CDNOW sample (the service's demo model).

Run from anywhere: ``python examples/service/make_model.py`` (a few seconds). The file holds
the two models' :meth:`to_json` (parameters and fit statistics, no data) and the CLV settings
the service uses: the time unit of recency and T, the horizon and the monthly discount rate.
The test suite refits and checks that the committed file still matches.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from privtraffic.clv import BetaGeo, GammaGamma
from privtraffic.data import load_cdnow

HERE = Path(__file__).parent


def fitted() -> dict[str, object]:
    """The models and settings as the JSON object model.json holds."""
    summary = load_cdnow("summary")  # 2,357 customers, weeks (Fader, Hardie and Lee 2005)
    purchases = BetaGeo().fit(summary)
    repeat = summary.frequency > 0
    spend = GammaGamma().fit(summary.frequency[repeat], summary.monetary_value[repeat])
    return {
        "source": "BG/NBD and Gamma-Gamma fitted on the CDNOW sample by make_model.py",
        "transaction_model": json.loads(purchases.to_json()),
        "spend_model": json.loads(spend.to_json()),
        "unit_days": float(summary.unit),
        "horizon_months": 12,
        "discount_rate": 0.01,
    }


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else HERE / "model.json"
    out.write_text(json.dumps(fitted(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
