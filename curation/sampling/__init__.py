"""Sampling backends behind one interface (base.py): perturb (embedded, no model), vllm, openai and ray, with the
request cache (cache.py) and the glue the `sample` step uses (sampler.py)."""
