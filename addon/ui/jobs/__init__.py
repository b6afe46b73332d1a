"""Jobs you can come back to: Tools → Media Fill → Jobs… (recent jobs with their counts, Open
report, Retry failed, Resume) and, at profile open, the notice that offers to finish a job that was
interrupted. The lists come from the job journals (`core.state.job_list`); going on with a job is
the controller's (the same job runner, given the journal).

Thread safety: main thread only; the journals are read on a background thread.
"""

from __future__ import annotations

from .feature import JobActions, JobsFeature
from .notice import InterruptedJobNotice
from .window import JobsWindow

__all__ = ["InterruptedJobNotice", "JobActions", "JobsFeature", "JobsWindow"]
