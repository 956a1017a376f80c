"""The ``pladvisor`` command: serving the API, and scoring, reporting and templating files of schools."""
