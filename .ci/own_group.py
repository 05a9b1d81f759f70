"""Run a command in a process group of its own, in the caller's session: own_group.py CMD...

So a caller can stop the command and everything it starts at once (``kill -- -PID``).
Not ``setsid``: with the kernel's autogroups (``/proc/sys/kernel/sched_autogroup_enabled``)
a new session is a scheduling group of its own, which the scheduler weighs equal to the
caller's whatever its processes' nice or SCHED_IDLE (Makefile, ``make test``; .ci/run).
"""

import os
import sys

os.setpgid(0, 0)
os.execvp(sys.argv[1], sys.argv[1:])
