"""Batch jobs that run outside the page on an engine of their own (Spark), over the same files
the sources read. Each job is one file with no citegraph imports it does not need, so it ships
to a cluster alone (``spark-submit citegraph/jobs/spark_neighbourhoods.py …``); docs/scale.md.
"""
