"""The engine of the low-code platform: definitions in, pages and state out.

Data flows one way, file -> loader -> checked spec -> runtime -> store -> page:

- the pure core (`definitions`, `expressions`, `forms`, `flows`, `decisions`, and the rules
  in `access`, `masking`, `passwords`, `i18n`) does no I/O beyond the text it is handed and
  imports neither flask nor sqlalchemy nor its own extensions; registries it reads (kinds,
  field types, actions) are given to it;
- `providers` names the default extensions an app is built from (the runtime's built-ins
  and `templates_lib`, registered through the same public API a third party uses);
- `store` holds the tables and queries, the only place that talks SQL;
- `casework` holds the use-cases above the tables (submit, start a case, apply a command,
  run a timer, deliver a webhook), each one transaction that calls the core;
- `web` parses a request, calls one use-case or query, renders; `worker`, `packs` and `cli`
  run the rest.

tests/test_layout.py keeps these layers apart.
"""
