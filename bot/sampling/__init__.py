"""Sampling: which logs go to the channel and when.

`strategy` (pure page planning, drawing and quotas), `draw` (the list calls each strategy
makes), `jobs` (a run: choose, fetch bodies, post), `scheduler` (the only module that imports
APScheduler), `describe` (a run in words, for the CLI) and `coverage` (samples per stratum
against the quota, for `/aig stats`)."""
