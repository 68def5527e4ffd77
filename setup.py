"""Packaging: the top-level folders ship under one import root, ``m1env``.

``verifiers/ sandbox/ grm/ policy/ trainer/`` stand beside ``m1env/`` in the repository but are
installed as ``m1env.verifiers``, ``m1env.sandbox``, ... (a ``package_dir`` mapping), so the wheel
and an editable install expose exactly one top-level name and install beside PrimeIntellect's
``verifiers`` or Coqui's ``trainer``. Everything else is in ``pyproject.toml``.
"""

from setuptools import find_packages, setup

SUBPACKAGES = ("verifiers", "sandbox", "grm", "policy", "trainer")

# m1env.data's subfolders are data (the build scripts that write them stay out of the wheel).
packages = find_packages(include=["m1env", "m1env.*"], exclude=["m1env.data.*"])
package_dir = {"m1env": "m1env"}
for name in SUBPACKAGES:
    package_dir[f"m1env.{name}"] = name
    packages += [f"m1env.{name}"] + [f"m1env.{name}.{p}" for p in find_packages(where=name)]

setup(packages=packages, package_dir=package_dir)
