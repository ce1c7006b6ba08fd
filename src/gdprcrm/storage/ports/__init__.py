"""The repository ports, one module per group of aggregates; import them from
:mod:`gdprcrm.storage.protocols` (the public path), which also holds the unit of work,
the storage and the registry of repositories."""
