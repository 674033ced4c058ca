import pytest

from matcher.domain.ibans import ibans_in
from matcher.domain.taxid import is_tax_id, tax_ids_in


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("1234567890", True),  # the classic example VKN is valid
        ("1234567891", False),
        ("0010000001", False),
        ("10000000146", True),  # a TCKN with correct check digits
        ("10000000145", False),
        ("4540536920", True),  # a VKN with its check digit
        ("4540536921", False),
    ],
)
def test_tax_numbers_are_recognised_by_their_check_digits(number, valid):
    assert is_tax_id(number) is valid


def test_tax_ids_in_text_take_only_standalone_numbers():
    text = "VKN:4540536920 HESAP 45405369201234 TCKN 10000000146"
    assert tax_ids_in(text) == ["4540536920", "10000000146"]


def test_ibans_in_text_spaced_glued_or_followed_by_words():
    text = "GIDEN FAST TR67 0020 5039 2305 4260 9934 27 MAL BEDELI TR330006100519786457841326ABC"
    assert ibans_in(text) == ["TR670020503923054260993427", "TR330006100519786457841326"]
    assert ibans_in("TR67 0020 5039 2305 4260 9934 28") == []  # checksum wrong
