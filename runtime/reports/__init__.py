"""Reports for the people who run the work, the pure part: the measures registry, periods
and their buckets, dashboard widget figures and effectiveness scores. No flask, no
sqlalchemy, no store: the queries behind each measure live in `runtime.store.measures`."""
