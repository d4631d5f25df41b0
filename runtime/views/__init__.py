"""Reports for the people who run the work, the pure part: the measures registry, periods and
their buckets, dashboard widget figures, effectiveness scores, service ratings and
bottlenecks. No flask, no sqlalchemy, no store: the queries live in `runtime.store`
(measures, measure_days, ratings, bottlenecks, views) and hand rows in; these aggregate."""
