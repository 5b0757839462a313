"""Serving functions: warm hosts and the cold path behind one interface, an HTTP front, and the
invocation benchmark."""
