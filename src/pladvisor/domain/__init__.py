"""The domain: what a school tells the advisor (strict pydantic input) and what the advisor answers
(frozen msgspec structs). No behaviour beyond validation and the field table derived from the models."""
