"""The measuring loop: what a suite measures, its rounds, when they stop, and the record of one run."""
