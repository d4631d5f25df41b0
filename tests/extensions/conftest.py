"""Transitional: the end-to-end test checks its pack through the checker's `Extensions`,
which the definitions split brings; until it is on this branch the test is not collected."""

import importlib.util

collect_ignore = ([] if importlib.util.find_spec("runtime.definitions.kinds")
                  else ["test_plate_type.py"])
