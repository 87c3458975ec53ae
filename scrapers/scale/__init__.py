"""Past one machine: a job's pages scraped by `storyline worker` processes over an arq queue on
Redis (docs/scaling.md). The driver (`storyline run --redis`) discovers, enqueues and writes the
records; the workers render with the same page pipeline, sharing politeness through Redis."""
