import sys

from m1env.cli import main

sys.exit(main())
