"""A job as data: the plan (source notes, targets, work items), what generation made (`outcome`),
and the report. No behaviour beyond small queries over the data."""
