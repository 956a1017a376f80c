"""The advice: turning the rules a school's answers fire into readiness, a ranked and explained plan,
comparisons over time and district roll-ups. Knows nothing of HTTP or files."""
