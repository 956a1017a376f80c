"""The HTTP edge: the Litestar application, its handlers, and what a service on a network needs (keys,
limits, problem details, logs, metrics, a bounded server protocol)."""
