"""`python -m nbutils ...`: the command line (see nbutils.run.cli)."""
from .run.cli import main

raise SystemExit(main())
