"""The `deal-assistant` command line: the terminal edge over ingest, the answering core and the evals."""
