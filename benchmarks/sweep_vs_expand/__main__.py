import sys

from benchmarks.sweep_vs_expand.run import main

sys.exit(main())
