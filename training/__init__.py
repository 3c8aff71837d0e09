"""Training launchers: `toolpref train disc|gen` on a release, with OpenRLHF (multi-GPU) or TRL (one machine)."""
