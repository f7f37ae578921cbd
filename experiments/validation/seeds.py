"""Seeds of the validation checks: independent replications from one root seed.

The checks draw their own seeds (not `experiments.design.replication_seed`) so
that the validation report stays the same from one version to the next.
"""

from __future__ import annotations

import numpy as np


def replication_seeds(seed: int, replications: int) -> list[int]:
    """Independent seeds for replications, from one root seed."""
    children = np.random.SeedSequence(seed).spawn(replications)
    return [int(child.generate_state(1, dtype=np.uint32)[0]) for child in children]
