"""Validation of the model against known results, one module per check; `suite` runs them all."""
