"""The order anomaly benchmark of issue 9: bench/anomaly_scoring.py, which see.

This script shares its name with the `anomaly` package, and Python puts a script's own folder
first on the import path: the package is imported with the folder off the path, then the
folder goes back for `import support`.

    .venv/bin/python bench/anomaly.py [--orders 100000] [--live-orders 4000]
"""

import importlib
import runpy
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.modules.pop("anomaly", None)
importlib.import_module("anomaly")
sys.path.append(str(BENCH))
runpy.run_path(str(BENCH / "anomaly_scoring.py"), run_name="__main__")
