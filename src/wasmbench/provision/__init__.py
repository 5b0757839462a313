"""Provisioning: ``wasmbench setup runtimes`` puts every runtime this host can have in place.

What varies per runtime (versions, official URLs, checksums, archive layouts) is data, in
``runtimes.toml``; ``catalog`` reads it, ``download`` fetches and verifies, ``unpack`` extracts
safely, ``install`` puts a runtime into wasmbench's cache without ever leaving half of one, and
``installed`` tells the runners (and ``list``) what is there. ``system`` holds what needs root: a
Docker engine, and Node.js from the distribution where it is new enough.
"""
