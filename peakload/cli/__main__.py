import sys

from peakload.cli.main import main

sys.exit(main())
