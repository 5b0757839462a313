"""One module per ``wasmbench`` subcommand; each defines ``add_parser`` and a handler."""
