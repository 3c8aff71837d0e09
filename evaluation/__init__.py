"""TRBench from BFCL, the GenRM / DiscRM evaluators, Best-of-N and the comparison view (trbench, eval)."""
