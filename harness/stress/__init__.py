"""`tokencache-compat stress`: many writer processes on one cache file (docs/concurrency.md).

- plan: `--writers IMPL=N` groups, options, names resolved to commands (`+lock`);
- sandbox: the mix's one sandbox and HOME, reading the cache file back (never outside);
- workers: one writer process per thread, its steps, kills and restarts;
- history: the timed records the writers leave; locks: who holds the flock (/proc/locks);
- sampler: the reader that counts torn reads;
- analysis: lost updates from the records and the final file;
- engine: one mix end to end and its result; render: JSON, terminal and Markdown.
"""
