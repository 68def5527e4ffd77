"""Math environments: procedural generator families and datasets, scored by ``math``.

* ``m1env/Math-v0``: a weighted mixture of the families below (``mixture.py``);
* ``m1env/Math-Arithmetic-v0``: integer expressions, exact division (``arithmetic.py``);
* ``m1env/Math-Fractions-v0``: fraction arithmetic in lowest terms (``fractions.py``);
* ``m1env/Math-Linear-v0``: linear equations and 2x2 systems (``linear.py``);
* ``m1env/Math-Quadratic-v0``: two rational roots, as a list (``quadratic.py``);
* ``m1env/Math-WordProblems-v0``: integer word problems (``word_problems.py``);
* ``m1env/MathDataset-v0``: JSONL/JSON/Parquet rows, by default the bundled sample
  set (``dataset.py``).

``env.py`` states the contract a family file follows. Answers go in ``\\boxed{}``.
"""

from m1env.envs.math.env import MathConfig, MathEnv, MathFamily, ProceduralMathEnv, load_family

__all__ = ["MathConfig", "MathEnv", "MathFamily", "ProceduralMathEnv", "load_family"]
