"""Sampling: which logs go to the channel (strategy), fetching and posting them (jobs), and
when (scheduler, the only module that imports APScheduler)."""
