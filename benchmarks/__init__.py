"""gdprcrm benchmarks: ratios against the raw primitive, measured in the same run."""
