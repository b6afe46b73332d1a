"""Strategies that keep a job going when providers misbehave: circuit breaker, adaptive rate
limit, retry policy, and health counters. Each is a small object with an injectable clock."""
