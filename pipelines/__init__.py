"""Batch jobs: extract, train, evaluate, register and publish; schedulable."""
