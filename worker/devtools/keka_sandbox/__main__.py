import sys

from worker.devtools.keka_sandbox.server import main

sys.exit(main())
