"""Running one program (or one call into an embedded runtime) as a fresh process, measured the
way the kernel sees it."""
