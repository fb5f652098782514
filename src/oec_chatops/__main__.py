"""`python -m oec_chatops` is `oec-chatops`."""

from oec_chatops.cli import main

raise SystemExit(main())
