-- The trace a job belongs to (Infrastructure/Tracing): the W3C traceparent of the span that enqueued it,
-- "00-<trace id>-<span id>-<flags>", so the job's run is a span of the request that asked for it. NULL for
-- jobs enqueued outside any trace, and for jobs enqueued before this column existed.
ALTER TABLE jobs ADD COLUMN trace_parent text;
