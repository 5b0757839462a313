"""The benchmark programs' C sources and ``manifest.toml`` (data, installed with the package)."""
