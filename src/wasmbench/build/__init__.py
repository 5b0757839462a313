"""Building workloads: the manifest, the compiler, input files, output checks and the cache of
built artefacts."""
