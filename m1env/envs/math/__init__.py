"""Math environments: procedural generator families and datasets, scored by ``math``.

=========================  ==========================================================
``m1env/Math-v0``          weighted mixture of the families below (``mixture.py``)
``m1env/Math-Arithmetic``  integer expressions, exact division (``arithmetic.py``)
``m1env/Math-Fractions``   fraction arithmetic in lowest terms (``fractions.py``)
``m1env/Math-Linear``      linear equations, 2x2 systems (``linear.py``)
``m1env/Math-Quadratic``   two rational roots as a list (``quadratic.py``)
``m1env/Math-WordProblems`` integer word problems (``word_problems.py``)
``m1env/MathDataset-v0``   JSONL/Parquet rows; the bundled sample set by default
=========================  ==========================================================

``env.py`` states the contract a family file follows. Answers go in ``\\boxed{}``.
"""

from m1env.envs.math.env import MathConfig, MathEnv, MathFamily, ProceduralMathEnv, load_family

__all__ = ["MathConfig", "MathEnv", "MathFamily", "ProceduralMathEnv", "load_family"]
