"""Packaging beyond what pyproject.toml can say: the site library ships inside the package.

`selectors/` stays a plain folder of YAML files at the top of the checkout (never a Python
package: the name would shadow the standard library's `selectors`), and the wheel carries it as
`scrapers/library/`, so an installed Storyline has every site file without a checkout.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["scrapers", "scrapers.*"]), "scrapers.library"],
    package_dir={"scrapers.library": "selectors"},
    package_data={
        "scrapers.config": ["builtin/*.yaml"],
        "scrapers.demo": ["static/*", "data/*"],
        "scrapers.generic": ["block_model.json"],  # the body's block model (bench/block_model.py)
        "scrapers.widgetfind": ["widget_model.json"],  # the widget classifier (bench/widget_model.py)
        "scrapers.library": ["*.yaml"],
    },
)
