"""The bounded memo every cache of derived values uses: the oldest entry goes first, and
one renewed is the newest again."""

from runtime.kept import Kept


def test_the_oldest_entry_goes_first_and_a_renewed_one_stays() -> None:
    kept: Kept[str, int] = Kept(2)
    kept.keep("a", 1)
    kept.keep("b", 2)
    kept.keep("a", 3)  # renewed: now the newest
    assert kept.keep("c", 4) == 4
    assert dict(kept) == {"a": 3, "c": 4}
