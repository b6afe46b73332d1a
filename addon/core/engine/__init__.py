"""The job engine: the planner, reuse of earlier media, the generation runner with its provider pool
and result stream, and the job session that ties a data provider, the providers and a sync
provider together."""
