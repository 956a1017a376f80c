"""Reading a Prometheus scrape in tests."""

from prometheus_client.parser import text_string_to_metric_families


def sample(scrape: str, name: str, **labels: str) -> float:
    """One series of a scrape; 0 before the series first appears, as for a counter that has not moved."""
    for family in text_string_to_metric_families(scrape):
        for point in family.samples:
            if point.name == name and point.labels == labels:
                return point.value
    return 0.0
