"""The rule engine: loading and validating the catalog, compiling its conditions, and running them on
durable-rules. Knows nothing of advice, HTTP or files."""
