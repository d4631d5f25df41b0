"""What the people who run the work read: ratings, bottlenecks (and views, dashboards). Pure
core: no flask, no sqlalchemy, no store; the store's queries hand rows in, these aggregate."""
