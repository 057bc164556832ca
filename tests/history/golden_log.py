"""A small hand-made order log whose quarterly segments, moves and alerts are known.

Scheme tier5 (diamond, gold, silver, active, sleeping) with fixed score
edges (method ``thresholds``), so every score below can be checked by hand:
r = 5 within 30 days, 4 within 60, 3 within 90, 2 within 180, else 1;
f = 1 for one order, 2, 3, 4 for 4-5, 5 for more; m = 1 up to 100, 2 up to
200, 3 up to 500, 4 up to 1000, else 5; rfm_score is their mean.

* c1 buys big until March, then stops: diamond, then sleeping (r = 2 at 95 days).
* c2 buys steadily; order o204 (2024-06-20, 200) is refunded 80 on
  2024-07-05 -- after the Q2 date, so Q2 counts the full 200 and Q3 the net 120.
* c3 starts in May and grows to diamond; c5 climbs from active to gold.
* c6 is diamond at Q2 and silent by Q3 (98 days): the alerts vip_silent and
  fell_two_tiers (diamond to sleeping, 4 tiers).
* c7 appears after Q2 (new).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

ROWS = """customer,order,date,amount
c1,o101,2024-01-05,400
c1,o102,2024-02-10,450
c1,o102,2024-02-10,50
c1,o103,2024-03-15,600
c1,o104,2024-03-28,300
c2,o201,2024-01-20,120
c2,o202,2024-03-01,130
c2,o203,2024-05-10,150
c2,o204,2024-06-20,200
c2,o204,2024-07-05,-80
c2,o205,2024-08-30,160
c2,o206,2024-09-25,170
c3,o301,2024-05-02,90
c3,o302,2024-06-15,110
c3,o303,2024-08-01,250
c3,o304,2024-09-10,300
c3,o305,2024-09-28,400
c4,o401,2024-01-10,60
c5,o501,2024-02-01,80
c5,o502,2024-06-01,70
c5,o503,2024-09-15,90
c6,o601,2024-04-10,500
c6,o602,2024-04-20,300
c6,o603,2024-05-15,400
c6,o604,2024-06-25,300
c7,o701,2024-08-15,120
c7,o702,2024-09-20,100
"""

CONFIG = """scheme = "tier5"
method = "thresholds"
lang = "en"

[thresholds]
recency_days = [30, 60, 90, 180]
frequency = [1, 2, 3, 5]
monetary = [100, 200, 500, 1000]
"""

#: The settings of CONFIG as Python keyword arguments.
SETTINGS = {
    "scheme": "tier5",
    "method": "thresholds",
    "lang": "en",
    "thresholds": {
        "recency_days": [30, 60, 90, 180],
        "frequency": [1, 2, 3, 5],
        "monetary": [100, 200, 500, 1000],
    },
}

Q1, Q2, Q3 = dt.date(2024, 4, 1), dt.date(2024, 7, 1), dt.date(2024, 10, 1)

#: as_of -> customer -> segment
SEGMENTS = {
    Q1: {"c1": "diamond", "c2": "silver", "c4": "active", "c5": "active"},
    Q2: {
        "c1": "sleeping",
        "c2": "diamond",
        "c3": "silver",
        "c4": "sleeping",
        "c5": "silver",
        "c6": "diamond",
    },
    Q3: {
        "c1": "sleeping",
        "c2": "diamond",
        "c3": "diamond",
        "c4": "sleeping",
        "c5": "gold",
        "c6": "sleeping",
        "c7": "silver",
    },
}
#: as_of -> (customers, revenue)
TOTALS = {Q1: (4, 2190.0), Q2: (6, 4310.0), Q3: (7, 5820.0)}
#: Q2 -> Q3: direction -> (customers, revenue at stake)
DIRECTIONS = {
    "up": (2, 350.0),
    "down": (1, 1500.0),
    "stable": (3, 2460.0),
    "new": (1, 220.0),
    "left": (0, 0.0),
}
#: The alerts at Q3: (rule, customer, value at stake), largest first.
ALERTS = [
    ("vip_silent", "c6", 1500.0),
    ("fell_two_tiers", "c6", 1500.0),
    ("segment_shift", None, 240.0),
]


def write(folder: Path) -> tuple[Path, Path]:
    """The order log and the config file, written to ``folder``."""
    log, config = folder / "orders.csv", folder / "rfmkit.toml"
    log.write_text(ROWS, encoding="utf-8")
    config.write_text(CONFIG, encoding="utf-8")
    return log, config
