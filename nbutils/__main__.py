"""`python -m nbutils ...`: the command line (see nbutils.cli)."""
from .cli import main

raise SystemExit(main())
