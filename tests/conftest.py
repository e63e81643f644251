"""Test-session fixtures. Each support module owns one kind of real part."""

pytest_plugins = [
    "tests.support.clock",
    "tests.support.servers",
    "tests.support.databases",
]
