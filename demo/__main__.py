"""Entry point of `python -m demo` (and `make demo`)."""

from demo.cli import main

raise SystemExit(main())
