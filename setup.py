"""The package list lives here because pyproject.toml cannot add a mapped folder to a found set.

firmware_profiles/ stays at the top of the checkout (where people edit it) and ships inside
the wheel as station/firmware_profiles, so an installed station finds its profiles.
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=[*find_namespace_packages(include=["station", "station.*"]), "station.firmware_profiles"],
    package_dir={"station.firmware_profiles": "firmware_profiles"},
)
