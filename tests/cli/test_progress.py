"""Long commands show a progress bar with the time left (on stderr, so tables on stdout stay clean)."""

from __future__ import annotations

import re

from experiments.interactions import library_entries, run_all
from experiments.validation import suite

TIME_LEFT = re.compile(r"\[\d\d:\d\d<\d\d:\d\d")  # tqdm's [elapsed<remaining]


def test_interactions_shows_runs_done_and_time_left(capsys):
    entries = library_entries()[:2]
    run_all(entries, replications=2, households=30, months=2, seed=1, workers=1, progress=True)
    err = capsys.readouterr().err
    assert "4/4" in err  # the comparison engine's bar over every run
    assert TIME_LEFT.search(err)


def test_validate_bar_advances_once_per_check_to_the_whole_work():
    sizes = suite.QUICK
    work = suite.stage_work(sizes)
    assert len(work) == len(suite.BASS_PARAMETERS) + 8  # one per line the suite reports
    assert all(w > 0 for w in work)
