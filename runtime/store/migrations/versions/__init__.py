"""One file per schema step, hand-written, oldest first."""
