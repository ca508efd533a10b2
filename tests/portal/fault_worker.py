"""A Celery worker for tests/portal/test_faults.py whose results run pauses while it stores its second category,
so that the test can kill the process in the middle of the run.

Started as `python -m tests.portal.fault_worker -A portal worker ...` with FAULT_SLOW_STORE set to a file path:
the pool process writes its pid there when it pauses. A replacement process finds the file and does not pause.
"""

import os
import sys
import time

from celery import signals

MARKER = os.environ["FAULT_SLOW_STORE"]


@signals.worker_process_init.connect
def _pause_in_the_second_store(**kwargs):
    from results import computation

    real = computation.store_category
    calls = {"n": 0}

    def store_category(item):
        calls["n"] += 1
        if calls["n"] == 2 and not os.path.exists(MARKER):
            with open(MARKER + ".tmp", "w") as handle:
                handle.write(str(os.getpid()))
            os.replace(MARKER + ".tmp", MARKER)
            time.sleep(300)
        return real(item)

    computation.store_category = store_category


if __name__ == "__main__":
    from celery.__main__ import main

    sys.argv[0] = "celery"
    main()
