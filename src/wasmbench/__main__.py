"""Allow ``python -m wasmbench``."""

from wasmbench.cli import main

raise SystemExit(main())
