"""`make bench`: the real bot process against the loopback stand-ins, measured.

Each phase starts its own sandboxes (in this process), its own bot (`python -m bot run --http`,
a separate process) and, where latencies are measured, a separate load-generator process
(`bench._loadgen`) that sends the signed clicks, so neither the stand-ins nor the driver share
an event loop with what is being timed. `python -m bench` writes `bench/results.md`.
"""
