import sys

from codegen.compat.cli import main

sys.exit(main())
