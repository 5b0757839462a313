"""wasmbench: the cost of running a program as WebAssembly or in a container instead of natively."""

__version__ = "0.1.0"
