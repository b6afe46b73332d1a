"""What outlives a job on disk: the job journal (resume, retry failed) and the reuse index of media
made before."""
