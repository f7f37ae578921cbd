"""The experiment machinery: designs, runs through executors into a DuckDB store, and what is read from it.

`compare` is the one comparison engine (paired replications with common random
numbers, intervals, cost-effectiveness); `sweep`, `sensitivity` and
`interactions` build on the same executors and store; `validation` checks the
model against known results. The command line calling all this is `cli/`.
"""
