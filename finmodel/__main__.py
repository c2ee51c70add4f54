import sys

from finmodel.cli import main

sys.exit(main())
