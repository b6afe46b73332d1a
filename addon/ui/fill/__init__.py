"""Fill Media, the feature the Browser's **Notes → Fill Media…** opens: the dialog (a rule per note
type, the plan with its cost, Preview), the job run on Anki's threads with its progress window, and
the report with Retry failed. The controller uses the names re-exported here.

Thread safety: main thread only; each module says what of it runs on workers.
"""

from __future__ import annotations

from .dialog import FillMediaDialog
from .job_runner import FillJob
from .report_dialog import JobReportDialog, show_report

__all__ = ["FillJob", "FillMediaDialog", "JobReportDialog", "show_report"]
