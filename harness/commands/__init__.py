"""One module per subcommand; each has `configure(parser)` and `run(args) -> int`.

harness.cli lists them in one literal table. A command module imports only
light modules at the top (argparse, harness.options): what a command needs to
work is imported inside `run`, so `--help` and `list` stay fast.
"""
