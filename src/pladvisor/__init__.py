"""pladvisor: how ready a school is for personalized learning, and what to do next."""

__version__ = "0.1.0"
