"""Entry point for `python -m nomos_portal`."""

from nomos_portal.cli import main

main()
